// The public report form (reports/new.html).
(function () {
  "use strict";
  // Suggestions of protected species as the reporter types: the datalist is filled from the public species search.
  // The field names its datalist (list="…"), and the datalist the address of the search (data-source).
  var input = document.getElementById("id_species"), list = input ? input.list : null;
  if (!input || !list || !list.dataset.source || !window.fetch) { return; }
  var timer = null, asked = "";
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var query = input.value.trim();
      if (query === asked || query.length < (/^[\x00-\x7f]*$/.test(query) ? 2 : 1)) { return; }
      asked = query;
      window.fetch(list.dataset.source + "?q=" + encodeURIComponent(query), {headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {names: []}; })
        .then(function (data) {
          if (input.value.trim() !== query) { return; }
          var options = data.names.map(function (pair) {
            var option = document.createElement("option");
            option.value = pair[0];
            if (pair[1]) { option.label = pair[1]; }
            return option;
          });
          list.replaceChildren.apply(list, options);
        })
        .catch(function () { /* no suggestions: the field still takes any text */ });
    }, 200);
  });
}());
