// 促销编辑: show only the fields the chosen promotion type uses; the others are hidden and
// disabled, so a value typed before switching types is not sent with the wrong type.
(function () {
  "use strict";
  var type = document.getElementById("f-type");
  var form = document.getElementById("promotion-form");
  if (!type || !form) { return; }
  function show() {
    form.querySelectorAll("[data-kinds]").forEach(function (field) {
      var used = field.getAttribute("data-kinds").split(" ").indexOf(type.value) >= 0;
      field.hidden = !used;
      field.querySelectorAll("input, textarea, select").forEach(function (input) {
        input.disabled = !used;
      });
    });
  }
  type.addEventListener("change", show);
  show();
})();
