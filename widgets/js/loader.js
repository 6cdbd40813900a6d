// loader.js defines globalThis.__nblAssets once per page: load(list) loads
// each asset of list in order and resolves to their values (a JSON asset's
// data; undefined for scripts and styles). Each asset loads once per page.
//
// An asset {name, url, kind: "js"|"css"|"json", global} is taken from, in
// order: what the page already has (the script's global, a <style> or
// <link> marked data-nbl-asset=name); an embedded copy registered in
// globalThis.__nblEmbedded[name] by an HTML report's head or by an earlier
// output ({run: function} or {text: string} or {gz: base64 of gzip} or
// {json: value}); its URL. When the URL fails and an embedded copy has
// appeared meanwhile, that copy is used.
//
// With RequireJS on the page (classic Notebook) scripts from a URL go
// through require(), so their UMD wrappers register with AMD (and set no
// global); the module is then copied to its global. Embedded scripts run
// with define, module and exports hidden, so they set their global.
(function () {
  var g = globalThis;
  if (g.__nblAssets && g.__nblAssets.version >= 2) {
    return;
  }
  var embedded = (g.__nblEmbedded = g.__nblEmbedded || {});
  var done = {};
  var urlTimeout = 20000;

  function has(name) {
    var o = g;
    var ps = name.split(".");
    for (var i = 0; i < ps.length; i++) {
      if (o == null) {
        return false;
      }
      o = o[ps[i]];
    }
    return o != null;
  }

  function amd() {
    return typeof g.require === "function" && typeof g.define === "function" && !!g.define.amd;
  }

  function marked(name) {
    var all = document.querySelectorAll("[data-nbl-asset]");
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-nbl-asset") === name) {
        return true;
      }
    }
    return false;
  }

  // text resolves to the source text of an embedded copy.
  function text(e) {
    if (typeof e.text === "string") {
      return Promise.resolve(e.text);
    }
    if (typeof e.gz === "string") {
      if (typeof DecompressionStream === "undefined") {
        return Promise.reject(new Error("this browser cannot unpack the embedded copy (no DecompressionStream)"));
      }
      var bin = atob(e.gz);
      var bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) {
        bytes[i] = bin.charCodeAt(i);
      }
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      return new Response(stream).text();
    }
    return Promise.reject(new Error("empty embedded copy"));
  }

  function runEmbedded(a, e) {
    if (typeof e.run === "function") {
      e.run();
      return Promise.resolve();
    }
    return text(e).then(function (src) {
      var s = document.createElement("script");
      s.setAttribute("data-nbl-asset", a.name);
      s.textContent = "(function(define,module,exports){\n" + src + "\n}).call(globalThis);";
      document.head.appendChild(s);
    });
  }

  function styleEmbedded(a, e) {
    return text(e).then(function (css) {
      var s = document.createElement("style");
      s.setAttribute("data-nbl-asset", a.name);
      s.textContent = css;
      document.head.appendChild(s);
    });
  }

  function withTimeout(p, what) {
    return new Promise(function (res, rej) {
      var t = setTimeout(function () {
        rej(new Error("timed out loading " + what));
      }, urlTimeout);
      p.then(
        function (v) {
          clearTimeout(t);
          res(v);
        },
        function (err) {
          clearTimeout(t);
          rej(err);
        }
      );
    });
  }

  function scriptURL(a) {
    if (!a.url) {
      return Promise.reject(new Error("no embedded copy of " + a.name + " and no URL to load it from"));
    }
    var p;
    if (amd()) {
      p = new Promise(function (res, rej) {
        g.require(
          [a.url],
          function (m) {
            if (!has(a.global) && m && a.global.indexOf(".") < 0) {
              g[a.global] = m;
            }
            res();
          },
          function (err) {
            if (g.require.undef) {
              g.require.undef(a.url);
            }
            rej(new Error("cannot load " + a.url + ": " + err));
          }
        );
      });
    } else {
      p = new Promise(function (res, rej) {
        var s = document.createElement("script");
        s.src = a.url;
        s.onload = function () {
          res();
        };
        s.onerror = function () {
          rej(new Error("cannot load " + a.url));
        };
        document.head.appendChild(s);
      });
    }
    return withTimeout(p, a.url);
  }

  function one(a) {
    if (done[a.name]) {
      return done[a.name];
    }
    var p;
    if (a.kind === "css") {
      if (marked(a.name)) {
        p = Promise.resolve();
      } else if (embedded[a.name]) {
        p = styleEmbedded(a, embedded[a.name]);
      } else {
        p = new Promise(function (res) {
          var l = document.createElement("link");
          l.rel = "stylesheet";
          l.href = a.url;
          l.setAttribute("data-nbl-asset", a.name);
          // A missing style sheet degrades the looks only: go on.
          l.onload = res;
          l.onerror = res;
          document.head.appendChild(l);
        });
      }
    } else if (a.kind === "json") {
      var e = embedded[a.name];
      if (e && e.json !== undefined) {
        p = Promise.resolve(e.json);
      } else if (e) {
        p = text(e).then(JSON.parse);
      } else if (a.url) {
        p = withTimeout(
          fetch(a.url).then(function (r) {
            if (!r.ok) {
              throw new Error("cannot load " + a.url + ": HTTP " + r.status);
            }
            return r.json();
          }),
          a.url
        ).catch(function (err) {
          if (embedded[a.name]) {
            return text(embedded[a.name]).then(JSON.parse);
          }
          throw err;
        });
      } else {
        p = Promise.reject(new Error("no embedded copy of " + a.name + " and no URL to load it from"));
      }
    } else if (has(a.global)) {
      p = Promise.resolve();
    } else if (embedded[a.name]) {
      p = runEmbedded(a, embedded[a.name]);
    } else {
      p = scriptURL(a).catch(function (err) {
        if (embedded[a.name]) {
          return runEmbedded(a, embedded[a.name]);
        }
        throw err;
      });
    }
    if (a.kind === "js") {
      p = p.then(function () {
        if (!has(a.global)) {
          throw new Error(a.name + " loaded but did not define " + a.global);
        }
      });
    }
    done[a.name] = p;
    p.catch(function () {
      delete done[a.name];
    });
    return p;
  }

  g.__nblAssets = {
    version: 2,
    embedded: embedded,
    load: function (list) {
      var values = [];
      var p = Promise.resolve();
      list.forEach(function (a) {
        p = p.then(function () {
          return one(a).then(function (v) {
            values.push(v);
          });
        });
      });
      return p.then(function () {
        return values;
      });
    }
  };
})();
