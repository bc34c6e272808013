// Gridline: the little the pages need beyond HTML. Everything works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Dispatch: show only the officers of the chosen department.
  document.querySelectorAll("select[data-filters]").forEach(function (dept) {
    var form = dept.form;
    var person = form.querySelector("select[name='" + dept.dataset.filters + "']");
    if (!person) return;
    var apply = function () {
      Array.prototype.forEach.call(person.options, function (o) {
        if (!o.value) return;
        var show = !dept.value || o.dataset.department === dept.value;
        o.hidden = !show;
        o.disabled = !show;
        if (!show && o.selected) person.value = "";
      });
    };
    dept.addEventListener("change", apply);
    apply();
  });
  // A second tap on a slow link must not send the form twice.
  document.querySelectorAll("form[method='post']").forEach(function (f) {
    f.addEventListener("submit", function () {
      setTimeout(function () {
        f.querySelectorAll("button[type='submit'], button:not([type])").forEach(function (b) {
          b.disabled = true;
        });
      }, 0);
    });
  });
});
