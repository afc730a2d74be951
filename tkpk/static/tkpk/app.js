// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Auto-submit filters marked with data-autosubmit (htmx swaps the rows when present).
  document.querySelectorAll("select[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form.requestSubmit());
  });
});
