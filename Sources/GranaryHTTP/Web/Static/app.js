// Granary 资源库: the little script the pages need. Pages work without it except where they send JSON or files
// to the API (upload, rating, paper assembly), which is exactly what it does, with the session's CSRF token.
"use strict";

(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.getAttribute("content") : "";

  /** Calls the API as the signed-in person; resolves to {ok, status, body}. */
  async function api(method, url, body) {
    // Problem bodies in Chinese whatever the browser's own language list says: the pages are Chinese.
    const headers = { "X-CSRF-Token": csrf, "Accept": "application/json", "Accept-Language": "zh-CN" };
    let payload = body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
    } catch (error) {
      return { ok: false, status: 0, body: { title: "网络错误", detail: "无法连接服务器，请检查网络后重试。", errors: [] } };
    }
    let parsed = {};
    try { parsed = await response.json(); } catch (error) { parsed = {}; }
    return { ok: response.ok, status: response.status, body: parsed };
  }

  function setStatus(element, text, kind) {
    if (!element) return;
    element.textContent = text;
    element.classList.remove("ok", "bad");
    if (kind) element.classList.add(kind);
  }

  /** Shows a problem document: its detail at the top, each field's message beside the field. */
  function showProblem(form, problem) {
    const box = document.querySelector("[data-form-error]");
    form.querySelectorAll("[data-error-for]").forEach((el) => { el.textContent = ""; });
    const unplaced = [];
    (problem.errors || []).forEach((error) => {
      const field = String(error.field || "");
      const candidates = [field, field.replace(/\[\d+\]$/, ""), field.replace(/^metadata\./, "").replace(/\[\d+\]$/, "")];
      const target = candidates.map((name) => form.querySelector('[data-error-for="' + CSS.escape(name) + '"]')).find(Boolean);
      if (target) target.textContent = (target.textContent ? target.textContent + "；" : "") + error.message;
      else if (error.message !== problem.detail && !unplaced.includes(error.message)) unplaced.push(error.message);
    });
    if (box) {
      box.textContent = (problem.detail || problem.title || "提交失败") + (unplaced.length ? "：" + unplaced.join("；") : "");
      box.hidden = false;
      box.scrollIntoView({ behavior: "smooth", block: "center" });
    }
  }

  function clearProblem(form) {
    const box = document.querySelector("[data-form-error]");
    if (box) box.hidden = true;
    form.querySelectorAll("[data-error-for]").forEach((el) => { el.textContent = ""; });
  }

  // Selects in GET forms marked data-autosubmit apply at once.
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });

  // Knowledge-point checkboxes follow the chosen course (read from the public catalogue API).
  async function loadPoints(form) {
    const select = form.querySelector("[data-course-select]");
    const box = form.querySelector("[data-points]");
    if (!select || !box) return;
    const course = select.value;
    box.textContent = "";
    if (!course) {
      box.innerHTML = '<p class="muted small">请先选择课程。</p>';
      return;
    }
    const points = [];
    for (let page = 1; page <= 50; page++) {
      const result = await api("GET", "/api/v1/knowledge-points?course=" + encodeURIComponent(course) + "&pageSize=100&page=" + page);
      if (!result.ok) break;
      points.push(...result.body.items);
      if (points.length >= result.body.total || result.body.items.length === 0) break;
    }
    if (points.length === 0) {
      box.innerHTML = '<p class="muted small">该课程还没有知识点。</p>';
      return;
    }
    points.forEach((point) => {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox";
      input.name = "knowledgePoints";
      input.value = point.id;
      label.append(input, document.createTextNode(point.name));
      const kind = document.createElement("span");
      kind.className = "point-kind";
      kind.textContent = point.kind === "skill" ? "技能点" : "知识点";
      label.append(kind);
      box.append(label);
    });
  }
  document.querySelectorAll("[data-course-select]").forEach((select) => {
    select.addEventListener("change", () => loadPoints(select.form));
    if (select.value) loadPoints(select.form);
  });

  function checkedPoints(form) {
    return Array.from(form.querySelectorAll('input[name="knowledgePoints"]:checked')).map((input) => input.value);
  }

  // Submitting a draft for review (resource page and after an upload).
  document.querySelectorAll("[data-submit-resource]").forEach((button) => {
    button.addEventListener("click", async () => {
      const id = button.getAttribute("data-submit-resource");
      const status = button.parentElement.querySelector("[data-status-for='submit']");
      if (!id) return;
      button.disabled = true;
      const result = await api("POST", "/api/v1/resources/" + encodeURIComponent(id) + "/submit");
      if (result.ok) {
        setStatus(status, "已提交审核，等待审核员处理。", "ok");
        button.hidden = true;
      } else {
        button.disabled = false;
        setStatus(status, result.body.detail || "提交失败", "bad");
      }
    });
  });

  // Upload: metadata JSON and the file as multipart, to the same route API clients use.
  const upload = document.querySelector("[data-upload-form]");
  if (upload) {
    upload.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearProblem(upload);
      const status = upload.querySelector(".form-status");
      const data = new FormData(upload);
      const option = upload.querySelector("[data-course-select]").selectedOptions[0];
      const tags = String(data.get("tags") || "").split(/[,，、\s]+/).map((tag) => tag.trim()).filter(Boolean);
      const metadata = {
        title: String(data.get("title") || "").trim(),
        major: option ? option.getAttribute("data-major") || "" : "",
        course: String(data.get("course") || ""),
        knowledgePoints: checkedPoints(upload),
        original: data.get("original") === "true",
        license: String(data.get("license") || "") || undefined,
        tags: tags,
      };
      const description = String(data.get("description") || "").trim();
      if (description) metadata.description = description;
      const source = String(data.get("source") || "").trim();
      if (source) metadata.source = source;
      const file = upload.querySelector('input[type="file"]').files[0];
      const body = new FormData();
      body.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }));
      if (file) body.append("file", file, file.name);
      const button = upload.querySelector('button[type="submit"]');
      button.disabled = true;
      setStatus(status, "正在上传……", null);
      const result = await api("POST", "/api/v1/resources", body);
      button.disabled = false;
      if (!result.ok) {
        setStatus(status, "", null);
        showProblem(upload, result.body);
        return;
      }
      setStatus(status, "", null);
      const resource = result.body;
      const panel = document.querySelector("[data-upload-result]");
      const link = panel.querySelector("[data-result-link]");
      link.href = "/resources/" + resource.id;
      link.textContent = resource.title;
      panel.querySelector("[data-result-name]").textContent = resource.canonicalName;
      panel.querySelector("[data-submit-resource]").setAttribute("data-submit-resource", resource.id);
      panel.hidden = false;
      upload.reset();
      loadPoints(upload);
      panel.scrollIntoView({ behavior: "smooth" });
    });
  }

  // Rating a resource.
  document.querySelectorAll("[data-rate-resource]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const status = form.querySelector(".form-status");
      const data = new FormData(form);
      const comment = String(data.get("comment") || "").trim();
      const body = { stars: Number(data.get("stars")) };
      if (comment) body.comment = comment;
      const result = await api("POST", "/api/v1/resources/" + encodeURIComponent(form.getAttribute("data-rate-resource")) + "/ratings", body);
      if (result.ok) setStatus(status, "感谢评价！", "ok");
      else setStatus(status, result.body.detail || "评价失败", "bad");
    });
  });

  // Paper assembly from a blueprint.
  const paper = document.querySelector("[data-paper-form]");
  if (paper) {
    const typeInputs = Array.from(paper.querySelectorAll("[data-type]"));
    const totalLabel = paper.querySelector("[data-total]");
    const recount = () => { totalLabel.textContent = String(typeInputs.reduce((sum, input) => sum + (Number(input.value) || 0), 0)); };
    typeInputs.forEach((input) => input.addEventListener("input", recount));
    recount();
    paper.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearProblem(paper);
      const status = paper.querySelector(".form-status");
      const data = new FormData(paper);
      const byType = {};
      typeInputs.forEach((input) => { const n = Number(input.value) || 0; if (n > 0) byType[input.getAttribute("data-type")] = n; });
      const total = Object.values(byType).reduce((a, b) => a + b, 0);
      const blueprint = {
        total: total,
        byType: byType,
        difficulty: { target: Number(data.get("target")), tolerance: Number(data.get("tolerance")) },
        cover: data.get("cover") === "chosen" ? checkedPoints(paper) : "all",
        score: Number(data.get("score")),
      };
      const button = paper.querySelector('button[type="submit"]');
      button.disabled = true;
      setStatus(status, "正在组卷……", null);
      const result = await api("POST", "/api/v1/papers", { course: String(data.get("course") || ""), title: String(data.get("title") || "").trim(), blueprint });
      button.disabled = false;
      setStatus(status, "", null);
      if (!result.ok) { showProblem(paper, result.body); return; }
      const figures = result.body.figures || {};
      const list = document.querySelector("[data-figures]");
      list.textContent = "";
      const rows = [
        ["题量", figures.questions + " 题"],
        ["总分", String(figures.score)],
        ["平均难度", Number(figures.difficultyMean).toFixed(2)],
        ["覆盖知识点", (figures.covered || []).length + " 个" + ((figures.uncovered || []).length ? "，未覆盖 " + figures.uncovered.length + " 个" : "")],
      ];
      rows.forEach(([label, value]) => {
        const dt = document.createElement("dt"); dt.textContent = label;
        const dd = document.createElement("dd"); dd.textContent = value;
        list.append(dt, dd);
      });
      const panel = document.querySelector("[data-paper-result]");
      panel.querySelector("[data-paper-link]").href = "/papers/" + result.body.id;
      panel.hidden = false;
      panel.scrollIntoView({ behavior: "smooth" });
    });
  }
})();
