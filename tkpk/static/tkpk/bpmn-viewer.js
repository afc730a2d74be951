// Draws stored map versions with the bpmn-js NavigatedViewer.
//
// Each element marked data-bpmn-viewer names (data-diagram) a json_script block holding
// {xml, activities, markers?}. "activities" describes every step as the server parsed it; the
// browser never reads the step details out of the XML. When data-panel names a panel, clicking a
// step (on the diagram, or a [data-activity-id] button aimed at this diagram) fills the panel.
// "markers" (comparison page) colours added, removed and changed elements.
(function () {
  "use strict";
  if (typeof BpmnJS === "undefined") return;

  const MARKERS = { added: "tkpk-added", removed: "tkpk-removed", changed: "tkpk-changed" };

  function fillPanel(panel, data) {
    panel.querySelector("[data-panel-empty]").hidden = Boolean(data);
    panel.querySelector("[data-panel-body]").hidden = !data;
    if (!data) return;
    panel.querySelectorAll("[data-field]").forEach((el) => {
      el.textContent = data[el.dataset.field] || "";
    });
    panel.querySelectorAll("[data-row]").forEach((row) => {
      row.hidden = !data[row.dataset.row];
    });
    panel.dataset.activity = data.id;
  }

  function addMarkers(viewer, markers) {
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    Object.entries(MARKERS).forEach(([kind, cls]) => {
      (markers[kind] || []).forEach((id) => {
        if (registry.get(id)) canvas.addMarker(id, cls);
      });
      const lanes = markers[kind + "_lanes"] || [];
      if (lanes.length) {
        registry
          .filter((el) => el.type === "bpmn:Lane" && lanes.includes(el.businessObject.name))
          .forEach((el) => canvas.addMarker(el, cls));
      }
    });
  }

  function setup(holder) {
    const source = document.getElementById(holder.dataset.diagram);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const panel = holder.dataset.panel ? document.getElementById(holder.dataset.panel) : null;
    const viewer = new BpmnJS({ container: holder });
    let selected = null;

    function select(id) {
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      const details = data.activities[id];
      if (!details || !registry.get(id)) return;
      if (selected) canvas.removeMarker(selected, "tkpk-selected");
      canvas.addMarker(id, "tkpk-selected");
      selected = id;
      if (panel) fillPanel(panel, details);
      holder.dataset.selected = id;
    }

    viewer.on("element.click", (event) => {
      const element = event.element.labelTarget || event.element;
      select(element.id);
    });

    document
      .querySelectorAll(`[data-activity-id][data-target-diagram="${holder.id}"]`)
      .forEach((button) => {
        button.addEventListener("click", () => {
          select(button.dataset.activityId);
          const element = viewer.get("elementRegistry").get(button.dataset.activityId);
          const canvas = viewer.get("canvas");
          if (element && typeof canvas.scrollToElement === "function") {
            canvas.scrollToElement(element);
          }
          if (panel) panel.scrollIntoView({ block: "nearest" });
        });
      });

    const zoom = holder.querySelector(".tkpk-zoom");
    if (zoom) {
      zoom.addEventListener("click", (event) => {
        const button = event.target.closest("[data-zoom]");
        if (!button) return;
        const canvas = viewer.get("canvas");
        if (button.dataset.zoom === "fit") canvas.zoom("fit-viewport", "auto");
        else canvas.zoom(canvas.zoom() * (button.dataset.zoom === "in" ? 1.25 : 0.8), "auto");
      });
    }

    viewer
      .importXML(data.xml)
      .then(() => {
        viewer.get("canvas").zoom("fit-viewport", "auto");
        if (zoom) zoom.hidden = false;
        if (data.markers) addMarkers(viewer, data.markers);
        holder.dataset.rendered = "true";
      })
      .catch((err) => {
        holder.dataset.rendered = "error";
        holder.textContent = `${holder.dataset.errorText || ""} ${err.message}`;
      });
  }

  document.querySelectorAll("[data-bpmn-viewer]").forEach(setup);
})();
