// The dashboards' pictures, drawn from the tables the server sent (each table stays below its
// picture, and is all a reader without JavaScript gets):
//   table[data-map]          a world choropleth: rows carry data-numeric (ISO 3166 numeric
//                            code, as world-atlas keys its shapes), data-value, data-href
//   table[data-chart=bars]   horizontal bars: rows carry data-value, data-label, data-href;
//                            data-max-bars on the table keeps the first N rows
//   table[data-sortable]     clicking a heading sorts the rows by that column
// d3-geo, d3-array and topojson-client come from this server's /vendor/ (npm), the country
// shapes too: nothing is fetched from anywhere else, and no script is inline (CSP).
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var LOW = [222, 235, 247];   // the palest blue: one partner
  var HIGH = [8, 48, 107];     // the darkest: the most partners
  var NONE = "#eceff3";

  function svgElement(name, attributes) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) {
      element.setAttribute(key, attributes[key]);
    });
    return element;
  }

  function titled(element, text) {
    var title = svgElement("title");
    title.textContent = text;
    element.appendChild(title);
    return element;
  }

  function linked(element, href) {
    if (!href) { return element; }
    var link = svgElement("a", { href: href });
    link.appendChild(element);
    return link;
  }

  // Square-root scale between the two blues: a few partners stay visible beside many.
  function shade(value, max) {
    var t = max > 0 ? Math.sqrt(value / max) : 0;
    var rgb = LOW.map(function (low, i) { return Math.round(low + (HIGH[i] - low) * t); });
    return "rgb(" + rgb.join(",") + ")";
  }

  function rowsOf(table) {
    return Array.prototype.slice.call(table.tBodies[0].rows);
  }

  function drawMap(figure, table) {
    if (!window.d3 || !window.topojson || !figure) { return; }
    var byCode = {};
    var max = 0;
    rowsOf(table).forEach(function (row) {
      var value = Number(row.dataset.value);
      byCode[row.dataset.numeric] = { value: value, row: row };
      max = Math.max(max, value);
    });
    fetch(figure.dataset.shapes)
      .then(function (response) { return response.json(); })
      .then(function (world) {
        var width = 960;
        var sphere = { type: "Sphere" };
        var countries = window.topojson.feature(world, world.objects.countries);
        var projection = window.d3.geoNaturalEarth1().fitWidth(width - 2, sphere);
        var path = window.d3.geoPath(projection);
        var height = Math.ceil(path.bounds(sphere)[1][1]) + 1;
        var svg = svgElement("svg", { viewBox: "0 0 " + width + " " + height, role: "img",
                                      class: "world" });
        svg.appendChild(svgElement("path", { d: path(sphere), class: "sphere" }));
        countries.features.forEach(function (feature) {
          var found = byCode[feature.id];
          var name = feature.properties.name;
          var shape = svgElement("path", {
            d: path(feature),
            class: found ? "country partner-country" : "country",
            fill: found ? shade(found.value, max) : NONE,
          });
          titled(shape, found ? name + ": " + found.value + " partners" : name);
          svg.appendChild(found ? linked(shape, found.row.dataset.href) : shape);
        });
        var legend = document.createElement("figcaption");
        legend.textContent = "Darker: more partner institutions (at most " + max +
          "). Shapes: Natural Earth 1:50m, from world-atlas.";
        figure.appendChild(svg);
        figure.appendChild(legend);
      })
      .catch(function () { figure.hidden = true; });
  }

  function drawBars(table) {
    var limit = Number(table.dataset.maxBars) || Infinity;
    var digits = Number(table.dataset.digits) || 0;
    var rows = rowsOf(table).slice(0, limit);
    if (!rows.length) { return; }
    var values = rows.map(function (row) { return Number(row.dataset.value); });
    var max = Math.max.apply(null, values) || 1;
    // Drawn at the width it is shown at, so that the text keeps its size.
    var barHeight = 22;
    var width = Math.max(320, Math.min(table.parentNode.clientWidth, 900));
    var labelWidth = Math.min(300, Math.round(width * 0.42));
    var room = width - labelWidth - 60;
    var svg = svgElement("svg", { viewBox: "0 0 " + width + " " + rows.length * barHeight,
                                  class: "bars", role: "img" });
    rows.forEach(function (row, i) {
      var y = i * barHeight;
      var group = svgElement("g");
      var label = svgElement("text", { x: labelWidth - 8, y: y + 15, class: "label" });
      var text = row.dataset.label || "";
      var fits = Math.floor(labelWidth / 6.5);
      label.textContent = text.length > fits ? text.slice(0, fits - 1) + "…" : text;
      group.appendChild(label);
      var bar = svgElement("rect", { x: labelWidth, y: y + 3, height: barHeight - 6,
                                     width: Math.max(1, room * values[i] / max), class: "bar" });
      group.appendChild(titled(bar, text + ": " + row.dataset.value));
      var number = svgElement("text", { x: labelWidth + room * values[i] / max + 6, y: y + 15,
                                        class: "value" });
      number.textContent = values[i].toFixed(digits);
      group.appendChild(number);
      svg.appendChild(linked(group, row.dataset.href));
    });
    // Above the table, and above its scrolling box when it has one.
    var holder = table.parentNode.classList.contains("scroll") ? table.parentNode : table;
    holder.parentNode.insertBefore(svg, holder);
  }

  function cellValue(row, column) {
    var text = row.cells[column].textContent.trim();
    var number = Number(text.replace(/,/g, ""));
    return text !== "" && !isNaN(number) ? number : text.toLowerCase();
  }

  function sortable(table) {
    var headings = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headings, function (heading, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = heading.textContent;
      heading.textContent = "";
      heading.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = heading.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headings, function (h) { h.removeAttribute("aria-sort"); });
        heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        rowsOf(table).sort(function (a, b) {
          var x = cellValue(a, column);
          var y = cellValue(b, column);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        }).forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var mapTable = document.querySelector("table[data-map]");
    if (mapTable) { drawMap(document.querySelector("figure.map"), mapTable); }
    document.querySelectorAll("table[data-chart=bars]").forEach(drawBars);
    document.querySelectorAll("table[data-sortable]").forEach(sortable);
  });
})();
