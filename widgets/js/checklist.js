// checklist.js wires a live checklist (the ASN selector). It is called as
// (function(cfg){...})(cfg) with cfg = {id, addr}. It waits for
// globalThis.gonb_comm (GoNB's websocket; polled every 50 ms, backing off to
// 1 s when no kernel answers, e.g. a saved page), says "ready", and on Apply
// sends the ticked IDs as a JSON string (GoNB v0.11.3 cannot carry a
// JavaScript array). GoNB does not acknowledge delivery and drops values
// that arrive before the cell's subscription is in place, so the page
// repeats "ready" (every 500 ms) and "apply" (every 1 s) until the cell
// answers on addr+"/ack" with the event's name, or until the list is
// replaced. Each repeat goes through the current globalThis.gonb_comm:
// GoNB's connection gives up when the kernel is slow to acknowledge it
// (500 ms), and the cell then asks GoNB to install a new one.
(function (cfg) {
  var root = document.getElementById(cfg.id);
  if (!root || root.getAttribute("data-wired")) {
    return;
  }
  root.setAttribute("data-wired", "1");
  var addr = cfg.addr;
  function boxes() {
    return Array.prototype.slice.call(root.querySelectorAll("input[type=checkbox]"));
  }
  function visible() {
    return boxes().filter(function (b) {
      return !b.closest("tr").hidden;
    });
  }
  var count = root.querySelector(".nbl-count");
  var status = root.querySelector(".nbl-status");
  var apply = root.querySelector("[data-action=apply]");
  var filter = root.querySelector(".nbl-filter");
  function upd() {
    var n = boxes().filter(function (b) {
      return b.checked;
    }).length;
    count.textContent = n + " of " + boxes().length + " selected";
  }
  root.addEventListener("change", upd);
  filter.addEventListener("input", function () {
    var q = filter.value.toLowerCase();
    boxes().forEach(function (b) {
      var tr = b.closest("tr");
      tr.hidden = q !== "" && tr.textContent.toLowerCase().indexOf(q) < 0 && b.value.toLowerCase().indexOf(q) < 0;
    });
  });
  root.querySelectorAll("[data-action]").forEach(function (btn) {
    var a = btn.getAttribute("data-action");
    if (a === "apply") {
      return;
    }
    btn.addEventListener("click", function () {
      visible().forEach(function (b) {
        b.checked = a === "all" ? true : a === "none" ? false : !b.checked;
      });
      upd();
    });
  });
  function whenComm(fn, wait) {
    var c = globalThis.gonb_comm;
    wait = wait || 50;
    if (c && c.websocket_is_opened) {
      fn(c);
    } else {
      setTimeout(function () {
        whenComm(fn, Math.min(wait * 1.2, 1000));
      }, wait);
    }
  }
  var acked = {};
  var subscribed = null;
  function live() {
    return document.documentElement.contains(root);
  }
  function resend(ev, msg, every) {
    if (acked[ev] || !live()) {
      return;
    }
    var c = globalThis.gonb_comm;
    if (c && c.websocket_is_opened) {
      if (subscribed !== c) {
        subscribed = c;
        c.subscribe(addr + "/ack", function (a, v) {
          acked[v] = true;
        });
      }
      c.send(addr, msg);
    }
    setTimeout(function () {
      resend(ev, msg, every);
    }, every);
  }
  status.textContent = "connecting to the notebook…";
  whenComm(function () {
    resend("ready", JSON.stringify({ event: "ready" }), 500);
    apply.disabled = false;
    status.textContent = "tick the items and press Apply";
  });
  apply.addEventListener("click", function () {
    var ids = boxes()
      .filter(function (b) {
        return b.checked;
      })
      .map(function (b) {
        return b.value;
      });
    apply.disabled = true;
    whenComm(function () {
      resend("apply", JSON.stringify({ event: "apply", ids: ids }), 1000);
      status.textContent = "sent " + ids.length + " selected";
      root.querySelectorAll("button,input").forEach(function (b) {
        b.disabled = true;
      });
    });
  });
  upd();
})
