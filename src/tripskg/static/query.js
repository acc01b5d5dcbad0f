// The SPARQL editor page: YASGUI on the local endpoint, preloaded with the saved queries.
// Results name IRIs with the dataset's prefixes (country:KHM) and link them to this server;
// literals are shown as plain text (language or datatype in a tooltip); a syntax error from
// the endpoint is shown as line:column with the offending line; completions of prefixes,
// classes, properties (ontology) and resources (by label, Ctrl-Space) come from
// /api/complete on this server. No request leaves this host (no prefix.cc, no LOV).
(function () {
  "use strict";
  var examples = JSON.parse(document.getElementById("saved-queries").textContent);
  var config = JSON.parse(document.getElementById("query-config").textContent);
  var endpoint = window.location.origin + "/sparql";
  var base = config.base;
  // longest namespace first, so that country: wins over id:
  var namespaces = Object.keys(config.prefixes).map(function (name) {
    return [name, config.prefixes[name]];
  }).sort(function (a, b) { return b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1); });
  var orderedPrefixes = {};
  namespaces.forEach(function (p) { orderedPrefixes[p[0]] = p[1]; });

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  function curie(iri) {
    for (var i = 0; i < namespaces.length; i++) {
      var ns = namespaces[i][1], local = iri.slice(ns.length);
      if (iri.indexOf(ns) === 0 && local && !/[\/#]/.test(local)) {
        return namespaces[i][0] + ":" + local;
      }
    }
    return null;
  }
  // a dataset IRI opens on this server when the page is served from elsewhere than the base
  function href(iri) {
    if (iri.indexOf(base) === 0 && window.location.origin + "/" !== base) {
      return "/" + iri.slice(base.length);
    }
    return iri;
  }
  window.tripskgQuery = { curie: curie, href: href };

  var Table = Yasgui.Yasr.plugins.table;
  Table.prototype.getUriLinkFromBinding = function (binding) {
    var iri = binding.value, short = curie(iri);
    return "<a class='iri' href='" + esc(href(iri)) + "' title='" + esc(iri) + "'>" +
      esc(short || "<" + iri + ">") + "</a>";
  };
  Table.prototype.formatLiteral = function (binding) {
    var note = binding["xml:lang"] ? "@" + binding["xml:lang"]
      : binding.datatype ? (curie(binding.datatype) || binding.datatype) : "";
    return "<span class='literal'" + (note ? " title='" + esc(note) + "'" : "") + ">" +
      esc(binding.value) + "</span>";
  };

  // a syntax error from the endpoint: "error at L:C: message" -> the line with a caret
  Yasgui.Yasr.defaults.errorRenderers = [function (error) {
    var text = (error && (error.text || error.statusText)) || "";
    var m = /(\d+):(\d+)/.exec(text);
    if (!m || !window.tripskgYasgui) { return undefined; }
    var line = parseInt(m[1], 10), col = parseInt(m[2], 10);
    var query = window.tripskgYasgui.getTab().getQuery().split("\n");
    var src = query[line - 1] === undefined ? "" : query[line - 1];
    var el = document.createElement("div");
    el.className = "query-error";
    el.innerHTML = "<p><strong>Syntax error at line " + line + ", column " + col +
      "</strong></p><pre>" + esc(text.trim()) + "</pre><pre class='where'>" + line + " | " +
      esc(src) + "\n" + " ".repeat(String(line).length + 3 + Math.max(0, col - 1)) + "^ " +
      esc(src.slice(Math.max(0, col - 1)).split(/\s/)[0] || "(end of line)") + "</pre>";
    return el;
  }];

  var labels = {};
  function fetchCompletions(kind, text) {
    var url = "/api/complete?kind=" + kind + "&q=" + encodeURIComponent(text || "");
    return fetch(url).then(function (r) { return r.json(); }).then(function (d) {
      return d.results.map(function (r) { labels[r.iri] = r.label; return r.iri; });
    }).catch(function () { return []; });
  }
  var shown = {};  // completion text -> IRI
  function asTerm(yasqe, token, iri) {
    var declared = yasqe.getPrefixesFromQuery();
    var short = curie(iri);
    var text = short && declared[short.split(":")[0]] === orderedPrefixes[short.split(":")[0]]
      ? short : "<" + iri + ">";
    shown[text] = iri;
    return text;
  }
  function labelled(yasqe, hints) {
    return hints.map(function (h) {
      var iri = shown[h.text] || h.text;
      h.displayText = (labels[iri] ? labels[iri] + " — " : "") + (curie(iri) || iri);
      return h;
    });
  }
  var Yasqe = Yasgui.Yasqe;
  function term(kind, from) {
    Yasqe.forkAutocompleter(from, {
      name: "tripskg-" + kind,
      get: function (yasqe, token) {
        return fetchCompletions(kind, token.string.replace(/^</, ""));
      },
      preProcessToken: function (yasqe, token) { return token; },
      postProcessSuggestion: function (yasqe, token, iri) { return asTerm(yasqe, token, iri); },
      postprocessHints: labelled,
      bulk: false, autoShow: true, persistenceId: null
    }, false);
  }
  term("class", "class");
  term("property", "property");
  Yasqe.registerAutocompleter({
    name: "tripskg-resource",
    isValidCompletionPosition: function (yasqe) {
      var token = yasqe.getCompleteToken();
      return token.string.length >= 2 && !/^[?$"'<]/.test(token.string);
    },
    get: function (yasqe, token) { return fetchCompletions("resource", token.string); },
    postProcessSuggestion: function (yasqe, token, iri) { return asTerm(yasqe, token, iri); },
    postprocessHints: labelled,
    bulk: false, autoShow: false, persistenceId: null
  }, false);
  Yasqe.forkAutocompleter("prefixes", {
    name: "tripskg-prefixes",
    get: function () {
      return Object.keys(config.prefixes).sort().map(function (n) {
        return n + ": <" + config.prefixes[n] + ">";
      });
    },
    persistenceId: null
  }, false);
  Yasqe.defaults.autocompleters = ["variables", "tripskg-prefixes", "tripskg-class",
                                   "tripskg-property", "tripskg-resource"];
  Yasqe.defaults.persistenceId = null;

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: "tripskg-yasgui",
    yasr: { prefixes: orderedPrefixes },
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
