// Map: show a municipality's grants in the side panel on hover and keyboard focus.
// Network: highlight a node's relations on hover and focus. Everything works without this script.
(function () {
  const info = document.getElementById("map-info");
  document.querySelectorAll("svg.map a[data-info]").forEach(function (link) {
    const show = function () { if (info) { info.textContent = link.dataset.info; } };
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
