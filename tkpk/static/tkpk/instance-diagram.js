// Draws an instance's map and marks where it stands: open steps (current) and done steps.
(function () {
  const holder = document.getElementById("instance-diagram");
  if (!holder || typeof BpmnJS === "undefined") return;
  const state = JSON.parse(document.getElementById("instance-diagram-state").textContent);
  const viewer = new BpmnJS({ container: holder });
  fetch(holder.dataset.bpmnUrl, { credentials: "same-origin" })
    .then((r) => r.text())
    .then((xml) => viewer.importXML(xml))
    .then(() => {
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      state.done.forEach((id) => registry.get(id) && canvas.addMarker(id, "tkpk-done"));
      state.open.forEach((id) => registry.get(id) && canvas.addMarker(id, "tkpk-current"));
      holder.dataset.rendered = "true";
    })
    .catch((err) => {
      holder.textContent = "Diagram tidak dapat ditampilkan: " + err.message;
    });
})();
