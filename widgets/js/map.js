// map.js draws one Leaflet map with clustered markers. It is called as
// (function(cfg){...})(cfg) after loader.js, with cfg = {id, height,
// layers: [{name, color}], pts: [{lat, lon, layer, tip, popup}], strs,
// tiles, assets, outlines, outlineWait}; a point's popup lists name, value,
// name, value... as indices into strs. Tooltips and popups are built as DOM text
// (never parsed as HTML). When there are no tiles (tiles "" or "none"),
// when a tile fails to load, or when no tile has loaded after outlineWait
// milliseconds, country outlines (Natural Earth 1:110m, from cfg.outlines:
// topojson-client and world-atlas) are drawn under the markers.
(function (cfg) {
  var g = globalThis;
  var root = document.getElementById(cfg.id);
  if (!root || root.getAttribute("data-drawn")) {
    return;
  }
  root.setAttribute("data-drawn", "1");
  var el = root.querySelector(".nbl-map");
  var placeholder = root.querySelector(".nbl-placeholder");
  if (placeholder) {
    placeholder.textContent = "Drawing the map…";
  }

  function draw() {
    var L = g.L;
    el.style.height = cfg.height + "px";
    var map = L.map(el, { worldCopyJump: true, minZoom: 1, maxZoom: 18 });
    map.createPane("nbl-outlines");
    map.getPane("nbl-outlines").style.zIndex = 150; // under the tiles (200) and the markers

    // unwrap makes a ring's longitudes continuous: a shape that crosses the
    // antimeridian (Russia, Fiji, Antarctica) then reaches past 180 instead
    // of being drawn as a band across the whole map.
    function unwrap(ring) {
      for (var i = 1; i < ring.length; i++) {
        while (ring[i][0] - ring[i - 1][0] > 180) {
          ring[i][0] -= 360;
        }
        while (ring[i][0] - ring[i - 1][0] < -180) {
          ring[i][0] += 360;
        }
      }
    }

    var outlined = false;
    function outlines(why) {
      if (outlined) {
        return;
      }
      outlined = true;
      root.setAttribute("data-outlines", why);
      g.__nblAssets
        .load(cfg.outlines)
        .then(function (v) {
          var world = v[v.length - 1];
          var shapes = g.topojson.feature(world, world.objects.countries);
          shapes.features.forEach(function (f) {
            var polys = f.geometry && f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry && f.geometry.type === "MultiPolygon" ? f.geometry.coordinates : [];
            polys.forEach(function (rings) {
              rings.forEach(unwrap);
            });
          });
          L.geoJSON(shapes, {
            pane: "nbl-outlines",
            interactive: false,
            style: { className: "nbl-outline", weight: 0.6, fillOpacity: 1 }
          }).addTo(map);
          map.attributionControl.addAttribution("outlines: Natural Earth");
          root.setAttribute("data-outlines-drawn", "1");
        })
        .catch(function (e) {
          root.setAttribute("data-outlines-error", (e && e.message) || String(e));
          if (g.console) {
            console.warn("notebooklets: country outlines not drawn:", e);
          }
        });
    }

    if (cfg.tiles) {
      var loaded = false;
      // A tile that fails shows as a transparent image: the outlines under it show through.
      var tl = L.tileLayer(cfg.tiles, {
        maxZoom: 18,
        attribution: "&copy; OpenStreetMap contributors",
        errorTileUrl: "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
      });
      tl.on("tileload", function () {
        loaded = true;
      });
      tl.on("tileerror", function () {
        outlines("tile error");
      });
      tl.addTo(map);
      setTimeout(function () {
        if (!loaded) {
          outlines("no tile loaded");
        }
      }, cfg.outlineWait);
    } else {
      outlines("no tiles");
    }

    var groups = cfg.layers.map(function (l) {
      var grp = L.markerClusterGroup({
        showCoverageOnHover: false,
        maxClusterRadius: 40,
        iconCreateFunction: function (c) {
          var d = document.createElement("div");
          d.style.cssText = "color:#fff;text-shadow:0 0 2px #000;box-shadow:0 0 0 4px rgba(255,255,255,0.6)";
          d.style.background = l.color;
          // A darker shade behind the white count (WCAG 4.5:1 even on red);
          // browsers without color-mix keep the layer's colour.
          d.style.background = "color-mix(in srgb, " + l.color + " 75%, black)";
          var sp = document.createElement("span");
          sp.textContent = c.getChildCount();
          d.appendChild(sp);
          return L.divIcon({ html: d, className: "marker-cluster nbl-cluster", iconSize: L.point(40, 40) });
        }
      });
      grp.addTo(map);
      return grp;
    });

    var bounds = [];
    cfg.pts.forEach(function (p) {
      var l = cfg.layers[p.layer];
      var mk = L.circleMarker([p.lat, p.lon], { radius: 7, color: l.color, fillColor: l.color, fillOpacity: 0.8, weight: 1 });
      var t = document.createElement("span");
      t.textContent = p.tip;
      mk.bindTooltip(t);
      if (p.popup && p.popup.length) {
        var tb = document.createElement("table");
        tb.className = "nbl-popup";
        for (var i = 0; i + 1 < p.popup.length; i += 2) {
          var tr = tb.insertRow();
          var a = tr.insertCell();
          var b = tr.insertCell();
          a.textContent = cfg.strs[p.popup[i]];
          a.style.fontWeight = "bold";
          b.textContent = cfg.strs[p.popup[i + 1]];
        }
        mk.bindPopup(tb);
      }
      groups[p.layer].addLayer(mk);
      bounds.push([p.lat, p.lon]);
    });

    var overlays = {};
    cfg.layers.forEach(function (l, i) {
      var s = document.createElement("span");
      var dot = document.createElement("span");
      dot.style.cssText = "display:inline-block;width:9px;height:9px;border-radius:50%;margin:0 4px";
      dot.style.background = l.color;
      s.appendChild(dot);
      s.appendChild(document.createTextNode(l.name));
      var k = s.outerHTML;
      while (overlays[k]) {
        k += " ";
      }
      overlays[k] = groups[i];
    });
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);

    if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 10 });
    } else if (bounds.length === 1) {
      map.setView(bounds[0], 5);
    } else {
      map.setView([20, 0], 2);
    }
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(function () {
        map.invalidateSize();
      }).observe(el);
    }
    if (placeholder) {
      placeholder.remove();
    }
  }

  g.__nblAssets
    .load(cfg.assets)
    .then(draw)
    .catch(function (e) {
      if (placeholder) {
        placeholder.textContent =
          "Map not drawn: " +
          ((e && e.message) || e) +
          ". Set NOTEBOOKLETS_ASSETS_URL to a reachable copy of the scripts, or to \"embedded\", and re-run the cell.";
      }
    });
})
