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
  // Filing: possible duplicates as the liaison types the title or picks the category.
  var similar = document.getElementById("similar");
  if (similar && similar.dataset.src && window.fetch) {
    var form = document.getElementById("file-form");
    var timer = null;
    var asked = "";
    var ask = function () {
      var q = new URLSearchParams({
        category: form.elements.category.value,
        title: form.elements.title.value
      }).toString();
      if (q === asked) return;
      asked = q;
      fetch(similar.dataset.src + "?" + q, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null && asked === q) similar.innerHTML = html; })
        .catch(function () {});
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(ask, 400); };
    form.elements.title.addEventListener("input", later);
    form.elements.category.addEventListener("change", later);
  }
  // The bulletin's print button (printing from the browser's menu works as well).
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
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
