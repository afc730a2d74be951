// A small rich-text editor for plan chapters: paragraphs, bold, italic, lists and tables.
// The server keeps only those elements (nh3 whitelist); without JavaScript the textarea
// with simple HTML still works.
(function () {
  document.querySelectorAll("textarea[data-richtext]").forEach((area) => {
    const wrap = document.createElement("div");
    wrap.className = "richtext border rounded bg-white";
    const bar = document.createElement("div");
    bar.className = "richtext-bar btn-toolbar gap-1 p-1 border-bottom bg-light";
    bar.setAttribute("role", "toolbar");
    const editor = document.createElement("div");
    editor.className = "richtext-body p-2";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    editor.setAttribute("aria-label", area.getAttribute("aria-label") || "");
    editor.dataset.testid = "richtext-body";
    editor.innerHTML = area.value || "<p><br></p>";
    const buttons = [
      ["bold", "B", area.dataset.labelBold],
      ["italic", "I", area.dataset.labelItalic],
      ["insertUnorderedList", "•", area.dataset.labelBullets],
      ["insertOrderedList", "1.", area.dataset.labelNumbers],
      ["table", "▦", area.dataset.labelTable],
    ];
    buttons.forEach(([command, text, label]) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-secondary";
      button.textContent = text;
      button.title = label || command;
      button.setAttribute("aria-label", label || command);
      button.dataset.testid = "richtext-" + command;
      button.addEventListener("click", () => {
        editor.focus();
        if (command === "table") {
          document.execCommand(
            "insertHTML", false,
            "<table><tbody><tr><th>…</th><th>…</th></tr><tr><td>…</td><td>…</td></tr></tbody></table><p><br></p>"
          );
        } else {
          document.execCommand(command, false);
        }
      });
      bar.appendChild(button);
    });
    wrap.appendChild(bar);
    wrap.appendChild(editor);
    area.classList.add("d-none");
    area.parentNode.insertBefore(wrap, area);
    area.form.addEventListener("submit", () => {
      area.value = editor.innerHTML;
    });
  });
})();
