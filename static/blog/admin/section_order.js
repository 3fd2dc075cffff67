"use strict";
// "Move up" and "Move down" buttons on each section of the article form. Moving a
// section reorders the forms on the page and renumbers the position fields 1, 2, 3…;
// nothing is saved until the editor saves the article. Without JavaScript the
// position fields are edited by hand, and the server accepts either.
(function () {
  const GROUP = "#sections-group";

  function sectionForms(group) {
    return Array.from(group.querySelectorAll(".inline-related:not(.empty-form)"));
  }

  function isInUse(form) {
    // An extra form nobody typed in stays untouched, or the server would ask for its body.
    const body = form.querySelector('textarea[name$="-body"]');
    return form.classList.contains("has_original") || (body && body.value.trim() !== "");
  }

  function renumber(group) {
    let position = 1;
    for (const form of sectionForms(group)) {
      const input = form.querySelector('input[name$="-position"]');
      if (input && isInUse(form)) {
        input.value = position;
        position += 1;
      }
    }
  }

  function move(form, direction) {
    const group = form.closest(GROUP);
    const forms = sectionForms(group);
    const index = forms.indexOf(form);
    const other = forms[index + direction];
    if (!other) {
      return;
    }
    if (direction < 0) {
      other.before(form);
    } else {
      other.after(form);
    }
    renumber(group);
    form.querySelector(`button[data-move="${direction}"]`).focus();
  }

  function addButtons(form) {
    const heading = form.querySelector("h3");
    if (!heading || heading.querySelector("button[data-move]")) {
      return;
    }
    for (const [direction, label] of [[-1, "Move up"], [1, "Move down"]]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button section-move";
      button.dataset.move = String(direction);
      button.textContent = label;
      button.addEventListener("click", () => move(form, direction));
      heading.append(" ", button);
    }
  }

  function sortByPosition(group) {
    // Show the sections in their saved order, whatever order the page listed them in.
    const forms = sectionForms(group);
    const position = (form) =>
      Number(form.querySelector('input[name$="-position"]')?.value) || Infinity;
    const sorted = [...forms].sort((a, b) => position(a) - position(b));
    const anchor = forms[forms.length - 1]?.nextSibling;
    for (const form of sorted) {
      group.querySelector("fieldset").insertBefore(form, anchor ?? null);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const group = document.querySelector(GROUP);
    if (!group) {
      return;
    }
    sortByPosition(group);
    sectionForms(group).forEach(addButtons);
    document.addEventListener("formset:added", (event) => {
      if (event.target.closest(GROUP)) {
        addButtons(event.target);
      }
    });
  });
})();
