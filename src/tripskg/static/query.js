// The SPARQL editor page: YASGUI on the local endpoint, preloaded with the saved queries.
(function () {
  "use strict";
  var examples = JSON.parse(document.getElementById("saved-queries").textContent);
  var endpoint = window.location.origin + "/sparql";
  // autocompleters that call prefix.cc / LOV are switched off: this page makes no request
  // outside this server
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  Yasgui.Yasqe.defaults.persistenceId = null;
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: "tripskg-yasgui",
    yasqe: { value: examples.length ? examples[0].query : "SELECT * WHERE { ?s ?p ?o } LIMIT 10" }
  });
  window.tripskgYasgui = yasgui;
  var tab = yasgui.getTab();
  if (tab && tab.getEndpoint && tab.getEndpoint() !== endpoint) { tab.setEndpoint(endpoint); }
  function load(name) {
    var ex = examples.filter(function (e) { return e.name === name; })[0];
    if (!ex) { return; }
    var current = yasgui.getTab();
    current.setEndpoint(endpoint);
    current.setName(ex.title);
    current.setQuery(ex.query);
    document.querySelectorAll("button.example").forEach(function (b) {
      b.classList.toggle("active", b.getAttribute("data-name") === name);
    });
  }
  document.querySelectorAll("button.example").forEach(function (b) {
    b.addEventListener("click", function () { load(b.getAttribute("data-name")); });
  });
})();
