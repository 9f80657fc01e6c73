// Autocomplete for every input marked data-autocomplete: the header's search box, the landing
// page's, and the entity parameters of the canned-query forms. Suggestions come from this
// server's /search.json (its address is the body's data-search-url; connect-src 'self'):
// nothing is fetched from anywhere else.
//   data-autocomplete="navigate"  choosing a suggestion opens the entity's page
//   data-autocomplete="fill"      choosing one puts its id (telecom-paris, DE...) in the input
//   data-search-kind="school"     only that kind of entity (school, institution, network...)
(function () {
  "use strict";

  var DELAY_MS = 120;
  var SHOWN = 8;

  function suggestionItem(result, index) {
    var item = document.createElement("li");
    item.id = "suggestion-" + index;
    item.setAttribute("role", "option");
    var link = document.createElement("a");
    link.href = result.url;
    link.textContent = result.label;
    item.appendChild(link);
    var details = [result.kind];
    if (result.context) { details.push(result.context); }
    if (result.matched) { details.push("“" + result.matched + "”"); }
    var small = document.createElement("small");
    small.textContent = " " + details.join(" · ");
    item.appendChild(small);
    return item;
  }

  function attach(input) {
    var mode = input.dataset.autocomplete;
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.parentNode.insertBefore(list, input.nextSibling);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    var results = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function choose(result) {
      if (mode === "fill") {
        input.value = result.id;
        close();
      } else {
        window.location.href = result.url;
      }
    }

    function show(found) {
      results = found;
      list.textContent = "";
      found.forEach(function (result, index) {
        var item = suggestionItem(result, index);
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus: the input's blur would close the list
          choose(result);
        });
        list.appendChild(item);
      });
      list.hidden = found.length === 0;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
      active = -1;
    }

    function highlight(index) {
      var items = list.querySelectorAll("li");
      items.forEach(function (item, i) { item.classList.toggle("active", i === index); });
      active = index;
      if (index >= 0) { input.setAttribute("aria-activedescendant", items[index].id); }
    }

    function ask() {
      var text = input.value.trim();
      if (!text) { show([]); return; }
      var params = new URLSearchParams({ q: text, limit: String(SHOWN) });
      if (input.dataset.searchKind) { params.set("kind", input.dataset.searchKind); }
      var ticket = ++asked;
      fetch(document.body.dataset.searchUrl + "?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) { if (ticket === asked) { show(body.results); } })
        .catch(function () { show([]); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, results.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(results[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-autocomplete]").forEach(attach);
  });
})();
