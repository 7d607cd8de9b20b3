/* newinfra indicator portal: filters, offline search, charts. No request leaves the site
   (docs/portal.md). Works from file:// : data come from inline JSON and search-index.js. */
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // --- offline search (every page) -------------------------------------------------------------
  var input = $("#site-search");
  var index = window.PORTAL_INDEX || [];
  if (input) {
    var root = input.getAttribute("data-root") || "";
    var list = $("#site-search-list");
    index.forEach(function (item) {
      var opt = document.createElement("option");
      opt.value = item.name;
      opt.label = item.dept ? "部门" : (item.sector || "");
      list.appendChild(opt);
    });
    var pageOf = function (text) {
      var t = (text || "").trim();
      if (!t) { return null; }
      for (var i = 0; i < index.length; i++) {
        var it = index[i];
        if (it.name === t || it.id === t) {
          return root + (it.dept ? "departments/" : "indicators/") + encodeURIComponent(it.id) + ".html";
        }
      }
      return null;
    };
    input.addEventListener("change", function () {
      var target = pageOf(input.value);
      if (target) { window.location.href = target; }
    });
    input.form.addEventListener("submit", function (ev) {
      var target = pageOf(input.value);
      if (target) { ev.preventDefault(); window.location.href = target; }
    });
  }

  // --- index filters ---------------------------------------------------------------------------
  var table = $("#indicator-table");
  if (table) {
    var f = {
      sector: $("#f-sector"), status: $("#f-status"), dept: $("#f-dept"), stale: $("#f-stale"), text: $("#f-text")
    };
    var rows = $all("tr[data-indicator]", table);
    var groups = $all("tbody[data-sector-group]", table);
    var count = $("#f-count");
    var none = $("#no-match");
    var norm = function (s) { return (s || "").toLowerCase().replace(/\s+/g, ""); };
    var apply = function () {
      var text = norm(f.text.value);
      var shown = 0;
      rows.forEach(function (tr) {
        var ok = (!f.sector.value || tr.getAttribute("data-sector") === f.sector.value) &&
          (!f.status.value || tr.getAttribute("data-status") === f.status.value) &&
          (!f.dept.value || tr.getAttribute("data-dept") === f.dept.value) &&
          (!f.stale.checked || tr.getAttribute("data-stale") === "true") &&
          (!text || norm(tr.getAttribute("data-name")).indexOf(text) >= 0);
        tr.hidden = !ok;
        if (ok) { shown += 1; }
      });
      groups.forEach(function (g) {
        g.hidden = !$all("tr[data-indicator]", g).some(function (tr) { return !tr.hidden; });
      });
      count.textContent = "显示 " + shown + " / " + rows.length + " 项";
      count.setAttribute("data-shown", String(shown));
      none.hidden = shown > 0;
    };
    ["change", "input"].forEach(function (ev) {
      [f.sector, f.status, f.dept, f.stale, f.text].forEach(function (el) { el.addEventListener(ev, apply); });
    });
    $("#filters").addEventListener("reset", function () { window.setTimeout(apply, 0); });
    var params = new URLSearchParams(window.location.search);
    if (params.get("q")) { f.text.value = params.get("q"); }
    ["sector", "status", "dept"].forEach(function (k) { if (params.get(k)) { f[k].value = params.get(k); } });
    if (params.get("stale") === "1" && !f.stale.disabled) { f.stale.checked = true; }
    apply();
  }

  // --- indicator chart ---------------------------------------------------------------------------
  var holder = $("#chart");
  var payload = $("#chart-data");
  if (holder && payload && window.echarts) {
    var d = JSON.parse(payload.textContent);
    var series = [];
    var legendSelected = {};
    d.areas.forEach(function (area) {
      var values = d.values[area.code] || [];
      var carried = d.carried[area.code] || [];
      series.push({
        name: area.name,
        type: "line",
        data: values.map(function (v, i) {
          // a carried-forward month (not reported; the last value stands): a hollow, larger mark
          return carried[i] && v !== null ? { value: v, symbol: "emptyCircle", symbolSize: 9, carried: true } : v;
        }),
        symbol: "circle",
        showSymbol: true,
        symbolSize: area.is_province ? 5 : 3,
        lineStyle: { width: area.is_province ? 3 : 1 },
        z: area.is_province ? 3 : 2,
        connectNulls: false,
        markLine: area.is_province && d.targets.length ? {
          symbol: "none", silent: true,
          lineStyle: { type: "dashed", color: "#c62828" },
          label: { formatter: "{b}：{c}", position: "insideEndTop" },
          data: d.targets.filter(function (t) { return t.value !== null; })
            .map(function (t) { return { name: t.label, yAxis: t.value }; })
        } : undefined
      });
      legendSelected[area.name] = area.is_province || d.areas.length <= 4;
    });
    var periods = d.periods.slice();
    if (d.projection && d.projection.to_period) {
      while (periods.length && periods[periods.length - 1] < d.projection.to_period) {
        var last = periods[periods.length - 1].split("-");
        var y = parseInt(last[0], 10), m = parseInt(last[1], 10) + 1;
        if (m > 12) { m = 1; y += 1; }
        periods.push(y + "-" + (m < 10 ? "0" : "") + m);
      }
      var proj = periods.map(function (p) {
        if (p === d.projection.from_period) { return d.projection.from_value; }
        if (p === d.projection.to_period) { return d.projection.to_value; }
        return null;
      });
      series.push({ name: "到期预计", type: "line", data: proj, connectNulls: true,
        lineStyle: { type: "dashed", color: "#5f6b7a" }, itemStyle: { color: "#5f6b7a" } });
      legendSelected["到期预计"] = true;
    }
    var chart = window.echarts.init(holder, null, { renderer: "canvas" });
    // For the browser tests and for anyone checking the page: how many canvas pixels were painted.
    chart.on("finished", function () {
      var canvas = holder.querySelector("canvas");
      if (!canvas) { return; }
      var ctx = canvas.getContext("2d");
      var img = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      var painted = 0;
      for (var p = 3; p < img.length; p += 4) { if (img[p] !== 0) { painted += 1; } }
      holder.setAttribute("data-painted-pixels", String(painted));
    });
    chart.setOption({
      animation: false,
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0, selected: legendSelected },
      grid: { left: 56, right: 24, top: 64, bottom: 56 },
      xAxis: { type: "category", data: periods, boundaryGap: false },
      yAxis: { type: "value", name: d.unit, nameGap: 14, nameTextStyle: { align: "right" }, scale: false },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
      series: series
    });
    holder.setAttribute("data-rendered", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }
}());
