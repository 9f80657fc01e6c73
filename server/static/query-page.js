// The query page: mount YASGUI when its files were served, and let the example links fill
// the editor (YASGUI's, or the plain form's textarea) without leaving the page. Everything
// comes from data attributes: the page has no inline script.
(function () {
  "use strict";

  // Our IRIs (https://w3id.org/passerelle/id/..., .../ontology#Term) have pages here: a
  // result link goes to the local page, with the IRI in its title, not to w3id.org.
  function localHref(iri, mount) {
    var data = mount.dataset;
    if (iri.indexOf(data.idBase) === 0) {
      return data.idPath + iri.slice(data.idBase.length);
    }
    if (iri.indexOf(data.ontologyBase) === 0) {
      return data.ontologyPath + "#" + iri.slice(data.ontologyBase.length);
    }
    return null;
  }

  function localiseLinks(root, mount) {
    root.querySelectorAll("a[href]").forEach(function (link) {
      var iri = link.getAttribute("href");
      var local = localHref(iri, mount);
      if (local !== null) {
        link.setAttribute("href", local);
        link.setAttribute("title", iri);
        link.removeAttribute("target");
      }
    });
  }

  // The server answers an error as {"error": {"status", "title", "detail"}}: shown as its
  // title and detail, not as raw JSON.
  function readableError(error) {
    var parsed = null;
    try {
      parsed = JSON.parse(error && error.text);
    } catch (ignored) {
      return Promise.resolve(undefined);
    }
    if (!parsed || !parsed.error) {
      return Promise.resolve(undefined);
    }
    var box = document.createElement("div");
    box.className = "query-error";
    var title = document.createElement("strong");
    title.textContent = parsed.error.title + " (HTTP " + parsed.error.status + ")";
    var detail = document.createElement("pre");
    detail.textContent = parsed.error.detail;
    box.appendChild(title);
    box.appendChild(detail);
    return Promise.resolve(box);
  }

  function mountYasgui() {
    var mount = document.getElementById("yasgui");
    if (!mount || typeof window.Yasgui === "undefined") {
      return null;
    }
    var form = document.getElementById("plain-query-form");
    mount.hidden = false;
    form.hidden = true;
    if (window.Yasr && window.Yasr.defaults) {
      window.Yasr.defaults.errorRenderers = [readableError];
    }
    // The editor starts from the plain form's query (the default, or an example).
    var yasgui = new window.Yasgui(mount, {
      requestConfig: { endpoint: mount.dataset.endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      persistenceId: null,
      yasqe: { value: form.elements.query.value },
    });
    // Result tables are drawn (and redrawn, page by page) after the query returns.
    new MutationObserver(function () {
      localiseLinks(mount, mount);
    }).observe(mount, { childList: true, subtree: true });
    return yasgui;
  }

  function setQuery(yasgui, text) {
    if (yasgui) {
      yasgui.getTab().setQuery(text);
    } else {
      document.getElementById("query").value = text;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var yasgui = mountYasgui();
    document.querySelectorAll("a.example").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        setQuery(yasgui, link.dataset.sparql);
        window.scrollTo(0, 0);
      });
    });
  });
})();
