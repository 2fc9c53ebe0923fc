// Map: show a municipality's count in the side panel on hover and keyboard focus, then the grants it received,
// fetched once from data-grants (the map's JSON endpoint for one municipality).
// Network: highlight a node's relations on hover and focus. Everything works without this script.
(function () {
  const info = document.getElementById("map-info");
  const fetched = {};
  const list = function (link, data) {
    if (!info || info.dataset.shown !== link.dataset.grants) { return; }
    const ul = document.createElement("ul");
    data.grants.slice(0, 12).forEach(function (g) {
      const li = document.createElement("li");
      li.textContent = g.label + (g.start || g.end ? " (" + (g.start || "?") + "–" + (g.end || "") + ")" : "");
      ul.appendChild(li);
    });
    if (data.count > 12) { const li = document.createElement("li"); li.textContent = "…"; ul.appendChild(li); }
    info.appendChild(ul);
  };
  document.querySelectorAll("svg.map a[data-info]").forEach(function (link) {
    const show = function () {
      if (!info) { return; }
      info.textContent = link.dataset.info;
      info.dataset.shown = link.dataset.grants || "";
      const url = link.dataset.grants;
      if (!url) { return; }
      fetched[url] = fetched[url] || fetch(url, {headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {grants: [], count: 0}; });
      fetched[url].then(function (data) { list(link, data); });
    };
    link.addEventListener("mouseenter", show);
    link.addEventListener("focus", show);
  });
  const lines = Array.from(document.querySelectorAll("svg.network line[data-source]"));
  document.querySelectorAll("svg.network a[data-node]").forEach(function (node) {
    const id = node.dataset.node;
    const on = function () {
      lines.forEach(function (l) { l.classList.toggle("dim", l.dataset.source !== id && l.dataset.target !== id); });
    };
    const off = function () { lines.forEach(function (l) { l.classList.remove("dim"); }); };
    node.addEventListener("mouseenter", on);
    node.addEventListener("focus", on);
    node.addEventListener("mouseleave", off);
    node.addEventListener("blur", off);
  });
})();
