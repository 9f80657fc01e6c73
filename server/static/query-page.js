// The query page: mount YASGUI when its files were served, and let the example links fill
// the editor (YASGUI's, or the plain form's textarea) without leaving the page. Everything
// comes from data attributes: the page has no inline script.
(function () {
  "use strict";

  function mountYasgui() {
    var mount = document.getElementById("yasgui");
    if (!mount || typeof window.Yasgui === "undefined") {
      return null;
    }
    var form = document.getElementById("plain-query-form");
    mount.hidden = false;
    form.hidden = true;
    // The editor starts from the plain form's query (the default, or an example).
    return new window.Yasgui(mount, {
      requestConfig: { endpoint: mount.dataset.endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      persistenceId: null,
      yasqe: { value: form.elements.query.value },
    });
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
