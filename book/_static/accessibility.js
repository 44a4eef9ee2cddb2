/* Accessibility (WCAG 2.1 AA) of the site; added by book/_ext/accessibility.py.
 *
 * sphinx-book-theme takes the focus off the sidebar, contents and colour-mode buttons when they are
 * clicked (so that a mouse click leaves no focus ring). Pressed from the keyboard (a click whose
 * detail is 0), that sent the reader back to the top of the page: the focus now stays on the button.
 */
document.addEventListener(
  "click",
  (event) => {
    if (event.detail !== 0 || !(event.target instanceof Element)) return;
    const button = event.target.closest(".primary-toggle, .secondary-toggle, .theme-switch-button");
    if (button) setTimeout(() => button.focus(), 0);
  },
  true,
);
