/*
 * The kanban's drag and drop (native HTML5). Progressive enhancement: each card carries a "move to"
 * form that works without this file (keyboards, phones, tests). Dropping a card on a column picks
 * that stage in the card's form and submits it; htmx posts it, and the server answers with the two
 * columns it changed, the form of the fields the stage asks for, or why it refused.
 */
(function () {
  "use strict";

  var dragged = null;

  function column(element) {
    return element && element.closest ? element.closest(".kanban__column") : null;
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".kanban__card[draggable='true']");
    if (!card) {
      return;
    }
    dragged = card;
    card.classList.add("kanban__card--dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  document.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("kanban__card--dragging");
    }
    document.querySelectorAll(".kanban__column--over").forEach(function (element) {
      element.classList.remove("kanban__column--over");
    });
    dragged = null;
  });

  document.addEventListener("dragover", function (event) {
    var target = column(event.target);
    if (dragged && target) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      target.classList.add("kanban__column--over");
    }
  });

  document.addEventListener("dragleave", function (event) {
    var target = column(event.target);
    if (target && !target.contains(event.relatedTarget)) {
      target.classList.remove("kanban__column--over");
    }
  });

  document.addEventListener("drop", function (event) {
    var target = column(event.target);
    if (!dragged || !target) {
      return;
    }
    event.preventDefault();
    target.classList.remove("kanban__column--over");
    var form = dragged.querySelector("form.kanban__move");
    var select = form && form.querySelector("select[name='stage']");
    if (!select || select.value === target.dataset.stage) {
      return;
    }
    select.value = target.dataset.stage;
    if (form.requestSubmit) {
      form.requestSubmit();
    } else if (window.htmx) {
      window.htmx.trigger(form, "submit");
    } else {
      form.submit();
    }
  });

  // The dialog of the missing fields: Cancel empties it (the card did not move).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-dialog-close]");
    if (!button) {
      return;
    }
    var holder = button.closest("#board-dialog");
    if (holder) {
      holder.innerHTML = "";
    }
  });
})();
