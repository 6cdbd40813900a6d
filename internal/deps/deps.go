// Package deps pins the project's library dependencies while the packages that
// use them are being written. It is removed once every library is imported by
// real code.
package deps

import (
	_ "github.com/Azure/azure-sdk-for-go/sdk/azcore"
	_ "github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	_ "github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
	_ "github.com/chromedp/chromedp"
	_ "github.com/go-echarts/go-echarts/v2/charts"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/janpfeifer/gonb/gonbui"
	_ "github.com/janpfeifer/gonb/gonbui/comms"
	_ "github.com/likexian/whois"
	_ "github.com/likexian/whois-parser"
	_ "github.com/maxmind/mmdbwriter"
	_ "github.com/oschwald/geoip2-golang/v2"
	_ "golang.org/x/net/html"
	_ "gopkg.in/yaml.v3"
)
