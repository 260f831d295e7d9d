/* merchintel graph view: a small, dependency-free force layout on a <canvas>.
 * Written for merchintel's HTML export (exports/html.py inlines it; no CDN, no network).
 * API: MerchintelGraph.render(canvas, data, {onSelect}) -> {drawn, select(id)}
 *   data = {nodes: [{id, kind, group, label, ...}], edges: [{source, target, kind, ...}]}
 * Layout: deterministic (seeded) Fruchterman-Reingold with grid-bucketed repulsion,
 * then fit to view.  Mouse: drag to pan, wheel to zoom, click a node to select it.
 */
(function (global) {
  "use strict";

  var COLORS = {
    domain: "#1f77b4", hostname: "#9ecae1", payments: "#d62728", crypto: "#ff7f0e",
    phones: "#2ca02c", emails: "#9467bd", messengers: "#17becf", trackers: "#8c564b",
    dns: "#7f7f7f", hosting: "#bcbd22", whois: "#e377c2", other: "#c7c7c7"
  };

  function colorOf(n) {
    if (n.group === "domain" || n.group === "hostname") return COLORS[n.group];
    return COLORS[n.family] || COLORS.other;
  }

  function rng(seed) {           // small LCG: the same data gives the same picture
    var s = seed >>> 0;
    return function () { s = (1664525 * s + 1013904223) >>> 0; return s / 4294967296; };
  }

  function layout(nodes, edges, w, h) {   // needs n.deg set
    var n = nodes.length, rand = rng(42), i, k;
    var area = w * h, kk = Math.sqrt(area / Math.max(n, 1));
    for (i = 0; i < n; i++) {
      var a = 2 * Math.PI * rand(), r = 0.45 * Math.min(w, h) * Math.sqrt(rand());
      nodes[i].x = w / 2 + r * Math.cos(a); nodes[i].y = h / 2 + r * Math.sin(a);
      nodes[i].dx = 0; nodes[i].dy = 0;
    }
    var iters = n > 3000 ? 60 : n > 800 ? 150 : 300;
    var t = Math.min(w, h) / 10, cool = t / (iters + 1);
    var cell = kk * 2;
    var exact = n <= 900;             // exact repulsion for case-sized graphs, grid beyond
    for (k = 0; k < iters; k++) {
      for (i = 0; i < n; i++) { nodes[i].dx = 0; nodes[i].dy = 0; }
      if (exact) {
        for (i = 0; i < n; i++) {
          var v0 = nodes[i];
          for (var j0 = i + 1; j0 < n; j0++) {
            var u0 = nodes[j0], ax = v0.x - u0.x, ay = v0.y - u0.y, a2 = ax * ax + ay * ay + 0.01;
            var f0 = kk * kk / a2;
            v0.dx += ax * f0; v0.dy += ay * f0; u0.dx -= ax * f0; u0.dy -= ay * f0;
          }
        }
      } else {
        // grid buckets, shifted at random each round and cut off at a circle: no square artefacts
        var grid = {}, shx = rand() * cell, shy = rand() * cell;
        for (i = 0; i < n; i++) {
          var p = nodes[i];
          var key = Math.floor((p.x + shx) / cell) + "," + Math.floor((p.y + shy) / cell);
          (grid[key] = grid[key] || []).push(p);
        }
        for (i = 0; i < n; i++) {
          var v = nodes[i], gx = Math.floor((v.x + shx) / cell), gy = Math.floor((v.y + shy) / cell);
          for (var ox = -1; ox <= 1; ox++) for (var oy = -1; oy <= 1; oy++) {
            var bucket = grid[(gx + ox) + "," + (gy + oy)];
            if (!bucket) continue;
            for (var j = 0; j < bucket.length; j++) {
              var u = bucket[j]; if (u === v) continue;
              var ddx = v.x - u.x, ddy = v.y - u.y, d2 = ddx * ddx + ddy * ddy + 0.01;
              if (d2 > cell * cell) continue;
              var f = kk * kk / d2;
              v.dx += ddx * f; v.dy += ddy * f;
            }
          }
        }
      }
      for (i = 0; i < edges.length; i++) {
        var e = edges[i], s = e.s, tt = e.t;
        var ex = s.x - tt.x, ey = s.y - tt.y, d = Math.sqrt(ex * ex + ey * ey) + 0.01;
        // hubs (a CDN address, a big name server) pull gently, or they would crush the picture
        var hub = Math.max(1, Math.min(s.deg, tt.deg));
        var fa = d / kk * (e.kind === "link" ? 2 : 1 / Math.sqrt(hub));
        s.dx -= ex * fa; s.dy -= ey * fa; tt.dx += ex * fa; tt.dy += ey * fa;
      }
      for (i = 0; i < n; i++) {
        var q = nodes[i];
        q.dx += (w / 2 - q.x) * 0.01 * kk; q.dy += (h / 2 - q.y) * 0.01 * kk;   // gravity
        var m = Math.sqrt(q.dx * q.dx + q.dy * q.dy) + 0.01, step = Math.min(m, t);
        q.x += q.dx / m * step; q.y += q.dy / m * step;
      }
      t -= cool;
    }
  }

  function render(canvas, data, opts) {
    opts = opts || {};
    var ctx = canvas.getContext("2d");
    var W = canvas.width, H = canvas.height;
    var byId = {}, nodes = data.nodes.slice(), edges = [];
    nodes.forEach(function (n) { byId[n.id] = n; n.deg = 0; });
    data.edges.forEach(function (e) {
      var s = byId[e.source], t = byId[e.target];
      if (s && t) { edges.push({s: s, t: t, kind: e.kind, data: e}); s.deg++; t.deg++; }
    });
    layout(nodes, edges, W, H);
    // fit to view
    var minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
    nodes.forEach(function (n) {
      minx = Math.min(minx, n.x); maxx = Math.max(maxx, n.x); miny = Math.min(miny, n.y); maxy = Math.max(maxy, n.y);
    });
    var view = {scale: 1, ox: 0, oy: 0};
    if (nodes.length) {
      var sc = Math.min((W - 60) / Math.max(maxx - minx, 1), (H - 60) / Math.max(maxy - miny, 1));
      view.scale = Math.min(sc, 3);
      view.ox = 30 - minx * view.scale + ((W - 60) - (maxx - minx) * view.scale) / 2;
      view.oy = 30 - miny * view.scale + ((H - 60) - (maxy - miny) * view.scale) / 2;
    }
    var selected = null, state = {drawn: 0};

    function sx(n) { return n.x * view.scale + view.ox; }
    function sy(n) { return n.y * view.scale + view.oy; }
    function radius(n) { return n.group === "domain" ? 7 : n.group === "hostname" ? 3 : 4 + Math.min(n.deg, 8) * 0.4; }

    function draw() {
      ctx.clearRect(0, 0, W, H);
      ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, W, H);
      var sel = selected;
      edges.forEach(function (e) {
        var hot = sel && (e.s === sel || e.t === sel);
        var site = e.kind === "link" || e.kind === "redirect" || e.kind === "moved_to";   // site to site
        ctx.strokeStyle = site ? (hot ? "#d62728" : "rgba(214,39,40,0.55)")
                               : (hot ? "#333" : "rgba(120,120,120,0.25)");
        ctx.lineWidth = site ? 1 + 2 * (e.data.score || 0) : hot ? 1.5 : 0.7;
        ctx.setLineDash(e.kind === "redirect" || e.kind === "moved_to" ? [6, 3] : []);   // a redirect: dashed
        ctx.beginPath(); ctx.moveTo(sx(e.s), sy(e.s)); ctx.lineTo(sx(e.t), sy(e.t)); ctx.stroke();
        ctx.setLineDash([]);
      });
      var drawn = 0;
      nodes.forEach(function (n) {
        var x = sx(n), y = sy(n), r = radius(n);
        if (x < -r || y < -r || x > W + r || y > H + r) return;
        ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.fillStyle = colorOf(n); ctx.fill();
        ctx.lineWidth = n === sel ? 3 : 1; ctx.strokeStyle = n === sel ? "#000" : "#fff"; ctx.stroke();
        drawn++;
      });
      // Labels never overlap: the selected node's first, then sites by degree; a label is
      // tried right, left, above and below its node and left out where every place is taken.
      var placed = [], overlaps = 0;
      ctx.font = "11px sans-serif";
      var wanted = nodes.filter(function (n) { return n === sel || (n.group === "domain" && nodes.length < 400); });
      wanted.sort(function (a, b) { return (b === sel) - (a === sel) || b.deg - a.deg || (a.id < b.id ? -1 : 1); });
      wanted.forEach(function (n) {
        var x = sx(n), y = sy(n), r = radius(n), text = n.label || n.id, w = ctx.measureText(text).width, h = 12;
        var spots = [[x + r + 2, y - 8], [x - r - 2 - w, y - 8], [x - w / 2, y - r - 14], [x - w / 2, y + r + 2]];
        for (var i = 0; i < spots.length; i++) {
          var b = {x: spots[i][0], y: spots[i][1], w: w, h: h};
          if (b.x < 0 || b.y < 0 || b.x + w > W || b.y + h > H) continue;
          var free = placed.every(function (p) { return b.x >= p.x + p.w || p.x >= b.x + b.w || b.y >= p.y + p.h || p.y >= b.y + b.h; });
          if (!free) continue;
          placed.push(b);
          ctx.fillStyle = "rgba(255,255,255,0.8)"; ctx.fillRect(b.x - 1, b.y, w + 2, h);
          ctx.fillStyle = "#222"; ctx.fillText(text, b.x, b.y + 10);
          return;
        }
      });
      for (var i = 0; i < placed.length; i++) for (var j = i + 1; j < placed.length; j++) {
        var p = placed[i], q = placed[j];
        if (!(p.x >= q.x + q.w || q.x >= p.x + p.w || p.y >= q.y + q.h || q.y >= p.y + p.h)) overlaps++;
      }
      state.drawn = drawn;
      canvas.setAttribute("data-drawn-nodes", String(drawn));
      canvas.setAttribute("data-labels-drawn", String(placed.length));
      canvas.setAttribute("data-label-overlaps", String(overlaps));
    }

    function nodeAt(px, py) {
      var best = null, bd = Infinity;
      nodes.forEach(function (n) {
        var dx = sx(n) - px, dy = sy(n) - py, d = dx * dx + dy * dy, r = radius(n) + 4;
        if (d <= r * r && d < bd) { best = n; bd = d; }
      });
      return best;
    }

    function select(n) {
      selected = typeof n === "string" ? byId[n] || null : n;
      draw();
      if (opts.onSelect) opts.onSelect(selected, selected ? edges.filter(function (e) {
        return e.s === selected || e.t === selected;
      }).map(function (e) { return {other: e.s === selected ? e.t : e.s, edge: e.data}; }) : []);
    }

    var drag = null, moved = false;
    canvas.addEventListener("mousedown", function (ev) { drag = {x: ev.offsetX, y: ev.offsetY}; moved = false; });
    canvas.addEventListener("mousemove", function (ev) {
      if (!drag) return;
      var dx = ev.offsetX - drag.x, dy = ev.offsetY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) moved = true;
      view.ox += dx; view.oy += dy; drag = {x: ev.offsetX, y: ev.offsetY}; draw();
    });
    canvas.addEventListener("mouseup", function (ev) {
      if (!moved) select(nodeAt(ev.offsetX, ev.offsetY));
      drag = null;
    });
    canvas.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var f = ev.deltaY < 0 ? 1.2 : 1 / 1.2;
      view.ox = ev.offsetX - (ev.offsetX - view.ox) * f; view.oy = ev.offsetY - (ev.offsetY - view.oy) * f;
      view.scale *= f; draw();
    }, {passive: false});

    draw();
    function find(text) {      // the search box: nodes whose id or label holds the text
      var q = String(text || "").trim().toLowerCase();
      if (!q) return [];
      return nodes.filter(function (n) {
        return n.id.toLowerCase().indexOf(q) >= 0 || String(n.label || "").toLowerCase().indexOf(q) >= 0;
      });
    }

    return {get drawn() { return state.drawn; }, select: select, find: find, colors: COLORS};
  }

  global.MerchintelGraph = {render: render, colors: COLORS, colorOf: colorOf};
})(window);
