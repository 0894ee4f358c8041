// Draws the page's network with vis-network from the JSON block #graph-data.
// Exposes `network`, `nodes` and `edges` on window for inspection.
(function () {
  "use strict";
  var source = document.getElementById("graph-data");
  var container = document.getElementById("network");
  if (!source || !container || typeof vis === "undefined") {
    return;
  }
  var graph = JSON.parse(source.textContent);
  var nodes = new vis.DataSet(graph.nodes);
  var edges = new vis.DataSet(graph.edges);
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, graph.options);
  network.once("stabilizationIterationsDone", function () {
    network.setOptions({ physics: { enabled: false } });
    container.setAttribute("data-stabilized", "true");
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length !== 1) {
      return;
    }
    var href = nodes.get(params.nodes[0]).href;
    if (typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/") {
      window.location.assign(href);
    }
  });
  var swatches = document.querySelectorAll(".legend .swatch[data-color]");
  for (var i = 0; i < swatches.length; i++) {
    swatches[i].style.backgroundColor = swatches[i].getAttribute("data-color");
  }
  window.network = network;
  window.nodes = nodes;
  window.edges = edges;
})();
