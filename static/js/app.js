/*
 * Progressive enhancement for the application shell. Every page works without this file:
 * menus are plain <details> elements and the language switch is a plain form.
 *
 * - Escape closes the open menu and gives focus back to its button.
 * - A click or focus outside an open menu closes it; opening one menu closes the others.
 * - From the desktop breakpoint the navigation <details> is kept open, so it shows as a bar
 *   even in browsers without CSS ::details-content.
 * - A select marked data-submit-on-change submits its form when changed.
 */
(function () {
  "use strict";

  var MENU_SELECTOR = "details.menu";
  var desktop = window.matchMedia ? window.matchMedia("(min-width: 960px)") : null;

  function menus() {
    return Array.prototype.slice.call(document.querySelectorAll(MENU_SELECTOR));
  }

  // The navigation is a bar, not a menu, on wide screens: never close it there.
  function isPinned(menu) {
    return Boolean(desktop && desktop.matches && menu.classList.contains("menu--nav"));
  }

  function close(menu, restoreFocus) {
    if (!menu.open || isPinned(menu)) {
      return;
    }
    menu.open = false;
    if (restoreFocus) {
      var summary = menu.querySelector("summary");
      if (summary) {
        summary.focus();
      }
    }
  }

  function closeAllExcept(keep) {
    menus().forEach(function (menu) {
      if (menu !== keep && !menu.contains(keep)) {
        close(menu, false);
      }
    });
  }

  function pinNavigation() {
    document.querySelectorAll("details.menu--nav").forEach(function (menu) {
      menu.open = Boolean(desktop && desktop.matches);
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") {
      return;
    }
    menus().forEach(function (menu) {
      if (menu.open && !isPinned(menu)) {
        close(menu, menu.contains(document.activeElement));
      }
    });
  });

  document.addEventListener("click", function (event) {
    var inside = event.target.closest ? event.target.closest(MENU_SELECTOR) : null;
    closeAllExcept(inside);
  });

  document.addEventListener("focusin", function (event) {
    var inside = event.target.closest ? event.target.closest(MENU_SELECTOR) : null;
    closeAllExcept(inside);
  });

  // A <select data-submit-on-change> (the saved views of a list) opens its choice at once; its
  // form keeps a submit button for browsers without this script.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-submit-on-change]") && select.form) {
      if (select.form.requestSubmit) {
        select.form.requestSubmit();
      } else {
        select.form.submit();
      }
    }
  });

  function init() {
    menus().forEach(function (menu) {
      menu.addEventListener("toggle", function () {
        if (menu.open) {
          closeAllExcept(menu);
        }
      });
    });
    pinNavigation();
    if (desktop) {
      if (desktop.addEventListener) {
        desktop.addEventListener("change", pinNavigation);
      } else if (desktop.addListener) {
        desktop.addListener(pinNavigation);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
