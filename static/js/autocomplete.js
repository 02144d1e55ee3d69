// Autocomplete for the directory search form: service words in "What support
// are you looking for?" and towns in "Postcode or town".
//
// A progressive enhancement: the form is a plain GET form that works without
// this script. It follows the WAI-ARIA 1.2 combobox pattern (list
// autocomplete, no automatic selection): the input keeps focus, Down and Up
// move through the suggestions (aria-activedescendant), Enter or Tab-free
// clicking chooses one, Escape closes the list, and a polite live region says
// how many suggestions there are.
//
// To enhance a form, give it data-autocomplete-url="{% url 'search:suggest' %}";
// the inputs named q (service words) and near (places) are enhanced.

const MIN_LENGTH = 2;
const DELAY_MS = 200;
const STYLE_ID = "app-autocomplete-style";
const STYLES = `
.app-autocomplete { position: relative; }
.app-autocomplete__list { position: absolute; z-index: 100; left: 0; right: 0; margin: 0; padding: 0;
  list-style: none; background: #fff; border: 2px solid #0b0c0c; border-top: 0; max-width: 41em; }
.app-autocomplete__list[hidden] { display: none; }
.app-autocomplete__option { padding: 5px 10px; cursor: pointer; border-bottom: 1px solid #b1b4b6; }
.app-autocomplete__option[aria-selected="true"], .app-autocomplete__option:hover {
  background: #1d70b8; color: #fff; outline: 3px solid transparent; }
`;

let instances = 0;

function addStyles() {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = STYLES;
  document.head.appendChild(style);
}

function liveRegion() {
  let region = document.getElementById("app-autocomplete-status");
  if (!region) {
    region = document.createElement("div");
    region.id = "app-autocomplete-status";
    region.className = "govuk-visually-hidden";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    document.body.appendChild(region);
  }
  return region;
}

function enhance(input, url, type) {
  instances += 1;
  const listId = `${input.id || input.name}-suggestions`;
  const hintId = `${listId}-hint`;
  const status = liveRegion();

  const wrapper = document.createElement("div");
  wrapper.className = "app-autocomplete";
  input.parentNode.insertBefore(wrapper, input);
  wrapper.appendChild(input);

  const list = document.createElement("ul");
  list.id = listId;
  list.className = "app-autocomplete__list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggestions");
  list.hidden = true;
  wrapper.appendChild(list);

  const hint = document.createElement("span");
  hint.id = hintId;
  hint.className = "govuk-visually-hidden";
  hint.textContent = "When suggestions are available, use up and down arrows to review and enter to select.";
  wrapper.appendChild(hint);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listId);
  input.setAttribute("autocomplete", "off");
  const describedBy = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  input.setAttribute("aria-describedby", [...describedBy, hintId].join(" "));

  let options = [];
  let active = -1;
  let timer = null;
  let controller = null;

  function close() {
    list.hidden = true;
    list.replaceChildren();
    options = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    options.forEach((option, position) => option.setAttribute("aria-selected", String(position === index)));
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    input.value = options[index].textContent;
    close();
    status.textContent = `${input.value} selected`;
    input.focus();
  }

  function show(suggestions) {
    list.replaceChildren();
    options = suggestions.map((suggestion, position) => {
      const option = document.createElement("li");
      option.id = `${listId}-${instances}-${position}`;
      option.className = "app-autocomplete__option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = suggestion.label;
      // mousedown, not click: it happens before the input loses focus.
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(position);
      });
      list.appendChild(option);
      return option;
    });
    active = -1;
    const count = options.length;
    list.hidden = count === 0;
    input.setAttribute("aria-expanded", String(count > 0));
    status.textContent =
      count === 0 ? "No suggestions" : `${count} suggestion${count === 1 ? "" : "s"} available`;
  }

  async function lookUp(query) {
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const response = await fetch(`${url}?${new URLSearchParams({ q: query, type })}`, {
        headers: { Accept: "application/json" },
        signal: controller.signal,
      });
      if (!response.ok) return close();
      const body = await response.json();
      if (input.value.trim() === query && document.activeElement === input) show(body.suggestions || []);
    } catch (error) {
      // Aborted or offline: the plain form still works.
      if (error.name !== "AbortError") close();
    }
  }

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    const query = input.value.trim();
    if (query.length < MIN_LENGTH) {
      close();
      return;
    }
    timer = window.setTimeout(() => lookUp(query), DELAY_MS);
  });

  input.addEventListener("keydown", (event) => {
    const isOpen = !list.hidden && options.length > 0;
    switch (event.key) {
      case "ArrowDown":
        if (isOpen) {
          event.preventDefault();
          highlight((active + 1) % options.length);
        }
        break;
      case "ArrowUp":
        if (isOpen) {
          event.preventDefault();
          highlight(active <= 0 ? options.length - 1 : active - 1);
        }
        break;
      case "Enter":
        // Choosing a suggestion does not submit the form; Enter again does.
        if (isOpen && active >= 0) {
          event.preventDefault();
          choose(active);
        }
        break;
      case "Escape":
        if (isOpen) {
          event.preventDefault();
          close();
        }
        break;
      case "Tab":
        close();
        break;
      default:
        break;
    }
  });

  input.addEventListener("blur", () => window.setTimeout(close, 150));
}

function init(scope = document) {
  const forms = scope.querySelectorAll("form[data-autocomplete-url]");
  if (!forms.length || !("fetch" in window)) return;
  addStyles();
  forms.forEach((form) => {
    const url = form.getAttribute("data-autocomplete-url");
    const services = form.querySelector('input[name="q"]');
    const places = form.querySelector('input[name="near"]');
    if (services && !services.hasAttribute("role")) enhance(services, url, "services");
    if (places && !places.hasAttribute("role")) enhance(places, url, "places");
  });
}

init();
