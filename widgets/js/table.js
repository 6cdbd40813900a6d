// table.js makes a static table interactive. It is called as
// (function(cfg){...})(cfg) with cfg = {id, cols: [{title, num, right, bar}],
// rows, total, page, file, label}: num columns sort as numbers, right ones
// are right-aligned, bar ones draw inline bars. A cell of rows is a string
// (text columns), a number, [number, text] when the text is not the
// number's own form, [null, text] for text in a numeric column, or null
// (empty). The page already shows the first rows as plain HTML (what is
// seen when scripts do not run); this script replaces them with: a text
// filter over all rows, sorting by any column (the headers are buttons;
// aria-sort says the order), pages of rows under a sticky header, the
// inline bars, and "download CSV" of the rows the filter keeps, in the
// order shown. The element gets a property nblTable with {csv(), view(),
// filter(q)} for tests.
(function (cfg) {
  var root = document.getElementById(cfg.id);
  if (!root || root.getAttribute("data-wired")) {
    return;
  }
  root.setAttribute("data-wired", "1");
  var table = root.querySelector("table");
  var tbody = table.querySelector("tbody");
  var heads = Array.prototype.slice.call(table.querySelectorAll("thead th"));
  var rows = cfg.rows;
  var cols = cfg.cols;
  var pageSize = cfg.page || 100;
  var page = 0;
  var order = rows.map(function (_, i) {
    return i;
  });
  var view = order;
  var sortCol = -1;
  var sortAsc = true;
  var lower = null;
  var collator = typeof Intl !== "undefined" && Intl.Collator ? new Intl.Collator(undefined, { numeric: true, sensitivity: "base" }) : null;

  function text(c) {
    if (c === null || c === undefined) {
      return "";
    }
    if (typeof c === "number") {
      return String(c);
    }
    if (Array.isArray(c)) {
      return c[1];
    }
    return c;
  }

  function num(c) {
    if (typeof c === "number") {
      return c;
    }
    if (Array.isArray(c) && typeof c[0] === "number") {
      return c[0];
    }
    return NaN;
  }

  var max = cols.map(function (col, ci) {
    if (!col.bar) {
      return 0;
    }
    var m = 0;
    rows.forEach(function (r) {
      var v = Math.abs(num(r[ci]));
      if (v > m) {
        m = v;
      }
    });
    return m;
  });

  function el(tag, attrs, content) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      e.setAttribute(k, attrs[k]);
    });
    if (content !== undefined) {
      e.textContent = content;
    }
    return e;
  }

  // Controls above the table, replacing the note for pages without scripts.
  var more = root.querySelector(".nbl-more");
  if (more) {
    more.remove();
  }
  var controls = el("div", { class: "nbl-controls" });
  var filter = el("input", { type: "search", class: "nbl-filter", placeholder: "filter rows", "aria-label": "filter the rows of " + cfg.label });
  var status = el("span", { class: "nbl-status", "aria-live": "polite" });
  var prev = el("button", { type: "button", "data-page": "prev", "aria-label": "previous page" }, "‹ prev");
  var next = el("button", { type: "button", "data-page": "next", "aria-label": "next page" }, "next ›");
  var pageLabel = el("span", { class: "nbl-page" });
  var sizeSel = el("select", { class: "nbl-page-size", "aria-label": "rows per page" });
  [25, 100, 500, 1000].forEach(function (n) {
    var o = el("option", { value: String(n) }, n + " per page");
    if (n === pageSize) {
      o.selected = true;
    }
    sizeSel.appendChild(o);
  });
  var csvBtn = el("button", { type: "button", class: "nbl-csv" }, "download CSV");
  [filter, status, prev, pageLabel, next, sizeSel, csvBtn].forEach(function (c) {
    controls.appendChild(c);
  });
  root.insertBefore(controls, root.querySelector(".nbl-scroll"));

  heads.forEach(function (th, ci) {
    var b = el("button", { type: "button", class: "nbl-sort", title: "sort by " + cols[ci].title }, th.textContent);
    th.textContent = "";
    th.appendChild(b);
    th.addEventListener("click", function () {
      sortBy(ci);
    });
  });

  function compare(ci) {
    if (cols[ci].num) {
      return function (a, b) {
        var x = num(rows[a][ci]);
        var y = num(rows[b][ci]);
        var xn = isNaN(x);
        var yn = isNaN(y);
        if (xn || yn) {
          return xn === yn ? a - b : xn ? 1 : -1; // empty cells last
        }
        return (x - y) * (sortAsc ? 1 : -1) || a - b;
      };
    }
    return function (a, b) {
      var x = text(rows[a][ci]);
      var y = text(rows[b][ci]);
      var r = collator ? collator.compare(x, y) : x < y ? -1 : x > y ? 1 : 0;
      return r * (sortAsc ? 1 : -1) || a - b;
    };
  }

  function sortBy(ci) {
    sortAsc = sortCol === ci ? !sortAsc : true;
    sortCol = ci;
    heads.forEach(function (th, i) {
      if (i === ci) {
        th.setAttribute("aria-sort", sortAsc ? "ascending" : "descending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
    order = rows.map(function (_, i) {
      return i;
    });
    order.sort(compare(ci));
    applyFilter();
  }

  function applyFilter() {
    var q = filter.value.trim().toLowerCase();
    if (q === "") {
      view = order;
    } else {
      if (!lower) {
        lower = rows.map(function (r) {
          return r.map(text).join("\u0000").toLowerCase();
        });
      }
      view = order.filter(function (i) {
        return lower[i].indexOf(q) >= 0;
      });
    }
    page = 0;
    render();
  }

  function render() {
    var pages = Math.max(1, Math.ceil(view.length / pageSize));
    if (page >= pages) {
      page = pages - 1;
    }
    var from = page * pageSize;
    var to = Math.min(view.length, from + pageSize);
    var frag = document.createDocumentFragment();
    for (var k = from; k < to; k++) {
      var r = rows[view[k]];
      var tr = document.createElement("tr");
      for (var ci = 0; ci < cols.length; ci++) {
        var td = document.createElement("td");
        td.textContent = text(r[ci]);
        if (cols[ci].right) {
          td.className = "num";
        }
        if (cols[ci].bar && max[ci] > 0) {
          var v = num(r[ci]);
          if (!isNaN(v)) {
            var pct = ((Math.abs(v) / max[ci]) * 100).toFixed(1);
            td.style.background = "linear-gradient(90deg,rgba(95,186,125,0.55) " + pct + "%,transparent " + pct + "%)";
          }
        }
        tr.appendChild(td);
      }
      frag.appendChild(tr);
    }
    tbody.textContent = "";
    tbody.appendChild(frag);
    var s = view.length === 0 ? "no rows" : "rows " + (from + 1) + "–" + to + " of " + view.length;
    if (view.length !== rows.length) {
      s += " (filtered from " + rows.length + ")";
    }
    if (cfg.total > rows.length) {
      s += "; the table holds the first " + rows.length + " of " + cfg.total;
    }
    status.textContent = s;
    pageLabel.textContent = "page " + (page + 1) + " of " + pages;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }

  function csvCell(s, numeric) {
    // A spreadsheet runs cells that start with these as formulas: data from
    // the network (whois names, TI details) must stay text.
    if (!numeric && /^[=+\-@\t\r]/.test(s)) {
      s = "'" + s;
    }
    if (/[",\r\n]/.test(s) || /^\s|\s$/.test(s)) {
      s = '"' + s.replace(/"/g, '""') + '"';
    }
    return s;
  }

  function csv() {
    var lines = [
      cols
        .map(function (c) {
          return csvCell(c.title, false);
        })
        .join(",")
    ];
    view.forEach(function (i) {
      lines.push(
        rows[i]
          .map(function (c, ci) {
            return csvCell(text(c), cols[ci].num);
          })
          .join(",")
      );
    });
    return lines.join("\r\n") + "\r\n";
  }

  var timer = null;
  filter.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(applyFilter, 120);
  });
  filter.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      clearTimeout(timer);
      applyFilter();
    }
  });
  prev.addEventListener("click", function () {
    page--;
    render();
  });
  next.addEventListener("click", function () {
    page++;
    render();
  });
  sizeSel.addEventListener("change", function () {
    pageSize = +sizeSel.value;
    page = 0;
    render();
  });
  csvBtn.addEventListener("click", function () {
    var blob = new Blob(["\ufeff" + csv()], { type: "text/csv;charset=utf-8" });
    var a = el("a", { href: URL.createObjectURL(blob), download: cfg.file });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () {
      URL.revokeObjectURL(a.href);
    }, 10000);
  });

  root.nblTable = {
    csv: csv,
    view: function () {
      return Array.prototype.map.call(tbody.rows, function (tr) {
        return Array.prototype.map.call(tr.cells, function (td) {
          return td.textContent;
        });
      });
    },
    filter: function (q) {
      filter.value = q;
      applyFilter();
    }
  };
  render();
})
