// chart.js draws one ECharts chart. It is called as
// (function(cfg){...})(cfg) after loader.js, with cfg = {id, option, tips,
// height, assets}: option is built by go-echarts; tips.rows[series][point]
// lists the tooltip rows of each point as name, value, name, value...
// (indices into tips.strs), kept out of the option so that the tooltip formatter
// (a function, which JSON cannot carry) can show them as text. A values plot
// has each series twice (bars, then points): series i and i+n share rows[i].
(function (cfg) {
  var g = globalThis;
  var root = document.getElementById(cfg.id);
  if (!root || root.getAttribute("data-drawn")) {
    return;
  }
  root.setAttribute("data-drawn", "1");
  var el = root.querySelector(".nbl-chart");
  var placeholder = root.querySelector(".nbl-placeholder");
  if (placeholder) {
    placeholder.textContent = "Drawing the chart…";
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function stamp(ms) {
    return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
  }

  // dark reports whether the text around the chart is light (JupyterLab's
  // dark theme, or a report under prefers-color-scheme: dark).
  function dark() {
    var m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(getComputedStyle(root).color || "");
    if (!m) {
      return false;
    }
    return 0.2126 * m[1] + 0.7152 * m[2] + 0.0722 * m[3] > 140;
  }

  var option = cfg.option;
  option.backgroundColor = "transparent";
  option.tooltip = option.tooltip || {};
  option.tooltip.confine = true;
  option.tooltip.formatter = function (p) {
    var v = p.value || [];
    var h = "<b>" + esc(p.seriesName) + "</b><br>" + esc(stamp(v[0]));
    var rows = cfg.tips.rows;
    var t = (rows[p.seriesIndex % rows.length] || [])[p.dataIndex] || [];
    if (t.length === 0 && v.length > 1) {
      h += "<br>value: " + esc(v[v.length - 1]);
    }
    for (var i = 0; i + 1 < t.length; i += 2) {
      h += "<br>" + esc(cfg.tips.strs[t[i]]) + ": " + esc(cfg.tips.strs[t[i + 1]]);
    }
    return h;
  };

  var chart = null;
  var isDark = null;
  function draw() {
    var d = dark();
    if (chart && d === isDark) {
      return;
    }
    isDark = d;
    if (chart) {
      chart.dispose();
    }
    root.setAttribute("data-theme", d ? "dark" : "light");
    chart = g.echarts.init(el, d ? "dark" : null);
    chart.setOption(option);
  }

  g.__nblAssets
    .load(cfg.assets)
    .then(function () {
      el.style.height = cfg.height + "px";
      if (placeholder) {
        placeholder.remove();
      }
      draw();
      if (typeof ResizeObserver !== "undefined") {
        new ResizeObserver(function () {
          if (chart) {
            chart.resize();
          }
        }).observe(el);
      }
      // Follow a change of JupyterLab's theme (it sets data-jp-theme-light on <body>).
      if (typeof MutationObserver !== "undefined" && document.body) {
        new MutationObserver(function () {
          if (document.documentElement.contains(el)) {
            draw();
          }
        }).observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });
      }
    })
    .catch(function (e) {
      if (placeholder) {
        placeholder.textContent =
          "Chart not drawn: " +
          ((e && e.message) || e) +
          ". Set NOTEBOOKLETS_ASSETS_URL to a reachable copy of the scripts, or to \"embedded\", and re-run the cell.";
      }
    });
})
