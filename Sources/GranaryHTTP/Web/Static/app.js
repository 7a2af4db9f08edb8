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
    if (body instanceof Blob) {
      headers["Content-Type"] = "application/octet-stream";
    } else if (body !== undefined && !(body instanceof FormData)) {
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
      // The field itself, then ever shorter prefixes: units[0].items[1].resource → units[0].items[1] → units[0].items → …
      const candidates = [];
      [field, field.replace(/^metadata\./, "")].forEach((name) => {
        for (let rest = name; rest; rest = rest.replace(/(\.[^.[\]]*|\[\d+\])$/, "")) {
          if (!candidates.includes(rest)) candidates.push(rest);
          if (!/(\.[^.[\]]*|\[\d+\])$/.test(rest)) break;
        }
      });
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

  // Submitting a draft for review (resource page and after an upload; a question's page).
  document.querySelectorAll("[data-submit-resource], [data-submit-question]").forEach((button) => {
    button.addEventListener("click", async () => {
      const question = button.hasAttribute("data-submit-question");
      const id = button.getAttribute(question ? "data-submit-question" : "data-submit-resource");
      const status = button.parentElement.querySelector(question ? ".form-status" : "[data-status-for='submit']");
      if (!id) return;
      button.disabled = true;
      const result = await api("POST", "/api/v1/" + (question ? "questions/" : "resources/") + encodeURIComponent(id) + "/submit");
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

  // Importing a question file: the file as the body, where it goes in the query (POST /api/v1/questions/import).
  const importForm = document.querySelector("[data-import-form]");
  if (importForm) {
    importForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearProblem(importForm);
      const status = importForm.querySelector(".form-status");
      const data = new FormData(importForm);
      const file = importForm.querySelector('input[type="file"]').files[0];
      const query = new URLSearchParams({ course: String(data.get("course") || "") });
      const points = checkedPoints(importForm);
      if (points.length) query.set("knowledgePoints", points.join(","));
      query.set("difficulty", String(data.get("difficulty") || "3"));
      if (data.get("format")) query.set("format", String(data.get("format")));
      if (file) query.set("name", file.name);
      const button = importForm.querySelector('button[type="submit"]');
      button.disabled = true;
      setStatus(status, "正在导入……", null);
      const result = await api("POST", "/api/v1/questions/import?" + query.toString(), file || new Blob([]));
      button.disabled = false;
      setStatus(status, "", null);
      if (!result.ok) {
        showProblem(importForm, result.body);
        return;
      }
      const report = result.body;
      const panel = document.querySelector("[data-import-result]");
      panel.querySelector("[data-import-summary]").textContent =
        "已导入 " + report.imported.length + " 题（草稿）" + (report.failed.length ? "，" + report.failed.length + " 处未导入" : "") + "。";
      const table = panel.querySelector("[data-import-failed]");
      const rows = table.querySelector("tbody");
      rows.textContent = "";
      report.failed.forEach((failure) => {
        const row = document.createElement("tr");
        [failure.file, failure.reason].forEach((text) => {
          const cell = document.createElement("td");
          cell.textContent = text;
          row.append(cell);
        });
        rows.append(row);
      });
      table.hidden = report.failed.length === 0;
      // Each question imported, to check it (its pictures in place) and send it to review.
      const imported = panel.querySelector("[data-import-imported]");
      imported.textContent = "";
      report.imported.forEach((id, index) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = "/questions/" + encodeURIComponent(id);
        link.textContent = "第 " + (index + 1) + " 题";
        item.append(link);
        imported.append(item);
      });
      const warnings = panel.querySelector("[data-import-warnings]");
      warnings.textContent = "";
      report.warnings.forEach((warning) => {
        const item = document.createElement("li");
        item.textContent = warning.file + "：" + warning.warning;
        warnings.append(item);
      });
      panel.hidden = false;
      panel.scrollIntoView({ behavior: "smooth" });
    });
  }

  // Personal access tokens on /me: made here (the secret shown once), revoked here.
  const tokenForm = document.querySelector("[data-token-form]");
  if (tokenForm) {
    const rows = document.querySelector("[data-token-rows]");
    const revoke = async (button) => {
      button.disabled = true;
      const result = await api("DELETE", "/api/v1/me/tokens/" + encodeURIComponent(button.getAttribute("data-revoke-token")));
      if (result.ok) {
        button.closest("tr").remove();
      } else {
        button.disabled = false;
        setStatus(tokenForm.querySelector(".form-status"), result.body.detail || "撤销失败", "bad");
      }
    };
    rows.querySelectorAll("[data-revoke-token]").forEach((button) => button.addEventListener("click", () => revoke(button)));
    tokenForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearProblem(tokenForm);
      const data = new FormData(tokenForm);
      const status = tokenForm.querySelector(".form-status");
      const result = await api("POST", "/api/v1/me/tokens", { name: String(data.get("name") || ""), days: Number(data.get("days") || 90) });
      if (!result.ok) {
        showProblem(tokenForm, result.body);
        return;
      }
      const token = result.body;
      const secret = document.querySelector("[data-token-secret]");
      secret.querySelector("code").textContent = token.token;
      secret.hidden = false;
      setStatus(status, "已创建“" + token.name + "”", "ok");
      const row = document.createElement("tr");
      const day = (iso) => iso.slice(0, 10);
      [token.name, day(token.createdAt), day(token.expiresAt), "未使用"].forEach((text) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      });
      const cell = document.createElement("td");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary small";
      button.textContent = "撤销";
      button.setAttribute("data-revoke-token", token.id);
      button.addEventListener("click", () => revoke(button));
      cell.append(button);
      row.append(cell);
      rows.prepend(row);
      tokenForm.reset();
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
        score: data.get("score") ? Number(data.get("score")) : undefined,
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
  // ---- Courses and learning (组课、选课、进度、讨论、作答) ----

  /** Runs `action` with `button` disabled; on failure shows the problem in `scope` and enables it again. */
  async function press(button, scope, action) {
    const status = scope.querySelector(".form-status");
    button.disabled = true;
    setStatus(status, "正在处理……", null);
    clearProblem(scope);
    const result = await action();
    if (result && !result.ok) {
      button.disabled = false;
      setStatus(status, "", null);
      showProblem(scope, result.body);
    }
    return result;
  }

  // Enrolling (选课) in an offering.
  document.querySelectorAll("[data-enrol]").forEach((button) => {
    button.addEventListener("click", () => press(button, document.body, async () => {
      const result = await api("POST", "/api/v1/offerings/" + encodeURIComponent(button.getAttribute("data-enrol")) + "/enrollments");
      if (result.ok) window.location.reload();
      return result;
    }));
  });

  // The author's 发布 and 下架 on the offering page.
  document.querySelectorAll("[data-offering-action]").forEach((button) => {
    button.addEventListener("click", () => {
      const action = button.getAttribute("data-offering-action");
      if (action === "withdraw" && !window.confirm("下架后新学习者不能再选这门课程，已选课的学习者不受影响。确定下架？")) return;
      press(button, document.body, async () => {
        const result = await api("POST", "/api/v1/offerings/" + encodeURIComponent(button.getAttribute("data-offering-id")) + "/" + action);
        if (result.ok) window.location.reload();
        return result;
      });
    });
  });

  // 完成本项，学习下一项 on a resource opened from an offering.
  document.querySelectorAll("[data-complete-item]").forEach((button) => {
    button.addEventListener("click", () => press(button, button.closest("section") || document.body, async () => {
      const result = await api("POST", "/api/v1/progress", {
        offering: button.getAttribute("data-offering"),
        resource: button.getAttribute("data-resource"),
      });
      if (result.ok) window.location.href = button.getAttribute("data-next");
      return result;
    }));
  });

  // New threads and replies in a unit's discussion.
  document.querySelectorAll("[data-post-form]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      press(button, form, async () => {
        const body = { body: String(new FormData(form).get("body") || "") };
        const parent = form.getAttribute("data-parent");
        if (parent) body.parent = parent;
        const url = "/api/v1/offerings/" + encodeURIComponent(form.getAttribute("data-offering")) + "/units/" +
          encodeURIComponent(form.getAttribute("data-unit")) + "/posts";
        const result = await api("POST", url, body);
        if (result.ok) window.location.reload();
        return result;
      });
    });
  });

  // The teacher hides a post (it keeps its place, marked 此帖已被隐藏).
  document.querySelectorAll("[data-hide-post]").forEach((button) => {
    button.addEventListener("click", () => {
      if (!window.confirm("隐藏后学习者只能看到“此帖已被隐藏”。确定隐藏这条帖子？")) return;
      press(button, document.body, async () => {
        const result = await api("POST", "/api/v1/posts/" + encodeURIComponent(button.getAttribute("data-hide-post")) + "/hide", {});
        if (result.ok) window.location.reload();
        return result;
      });
    });
  });

  // 练一练: a practice set on the learner's weakest points of a course, begun at once.
  document.querySelectorAll("[data-practice]").forEach((button) => {
    button.addEventListener("click", () => press(button, button.closest("section") || document.body, async () => {
      const result = await api("POST", "/api/v1/practice", { course: button.getAttribute("data-practice"), count: 5 });
      if (result.ok) window.location.href = "/attempts/" + result.body.attempt.id;
      return result;
    }));
  });

  // 答疑: the offering's teacher marks a reply as the answer to its question.
  document.querySelectorAll("[data-mark-answer]").forEach((button) => {
    button.addEventListener("click", () => press(button, document.body, async () => {
      const result = await api("POST", "/api/v1/posts/" + encodeURIComponent(button.getAttribute("data-mark-answer")) + "/answer", {});
      if (result.ok) window.location.reload();
      return result;
    }));
  });

  // 开始作答 on a paper page.
  document.querySelectorAll("[data-start-attempt]").forEach((button) => {
    button.addEventListener("click", () => press(button, button.closest("section") || document.body, async () => {
      const result = await api("POST", "/api/v1/papers/" + encodeURIComponent(button.getAttribute("data-start-attempt")) + "/attempts");
      if (result.ok) {
        const offering = button.getAttribute("data-offering");
        window.location.href = "/attempts/" + result.body.id + (offering ? "?offering=" + encodeURIComponent(offering) : "");
      }
      return result;
    }));
  });

  // Answering a paper: 保存 keeps the answers, 交卷 saves, submits, records the offering's progress and shows the result.
  const attempt = document.querySelector("[data-attempt-form]");
  if (attempt && attempt.querySelector("[data-attempt-submit]")) {
    const id = attempt.getAttribute("data-attempt-form");
    const answers = () => {
      const all = {};
      attempt.querySelectorAll("[data-question]").forEach((box) => {
        const question = box.getAttribute("data-question");
        const type = box.getAttribute("data-type");
        const checked = Array.from(box.querySelectorAll("input:checked")).map((input) => input.value);
        if (type === "single" && checked.length) all[question] = checked[0];
        else if (type === "multiple" && checked.length) all[question] = checked;
        else if (type === "judge" && checked.length) all[question] = checked[0] === "true";
        else if (type === "fill") {
          const blanks = Array.from(box.querySelectorAll("[data-blank]")).map((input) => input.value.trim());
          if (blanks.some(Boolean)) all[question] = blanks;
        } else if (type === "short" || type === "practical") {
          const text = box.querySelector("textarea").value.trim();
          if (text) all[question] = text;
        }
      });
      return all;
    };
    const save = () => api("PUT", "/api/v1/attempts/" + encodeURIComponent(id) + "/answers", { answers: answers() });
    // 练一练: 核对 checks one answer at once; the page then shows its result, the right answer and the analysis.
    attempt.querySelectorAll("[data-check-answer]").forEach((button) => {
      button.addEventListener("click", () => {
        const box = button.closest("[data-question]");
        const question = box.getAttribute("data-question");
        const answer = answers()[question];
        if (answer === undefined) {
          setStatus(attempt.querySelector(".form-status"), "请先作答再核对", "error");
          return;
        }
        press(button, box, async () => {
          const saved = await save();
          if (!saved.ok) return saved;
          const result = await api("POST", "/api/v1/attempts/" + encodeURIComponent(id) + "/check", { question, answer });
          if (result.ok) window.location.reload();
          return result;
        });
      });
    });
    const status = attempt.querySelector(".form-status");
    const saveButton = attempt.querySelector("[data-attempt-save]");
    saveButton.addEventListener("click", () => press(saveButton, attempt, async () => {
      const result = await save();
      if (result.ok) {
        saveButton.disabled = false;
        setStatus(status, "已保存 " + new Date().toLocaleTimeString("zh-CN"), "ok");
      }
      return result;
    }));
    attempt.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = attempt.querySelector("[data-attempt-submit]");
      const total = attempt.querySelectorAll("[data-question]").length;
      const answered = Object.keys(answers()).length;
      if (answered < total && !window.confirm("还有 " + (total - answered) + " 道题未作答，确定交卷？")) return;
      press(button, attempt, async () => {
        const saved = await save();
        if (!saved.ok) return saved;
        const result = await api("POST", "/api/v1/attempts/" + encodeURIComponent(id) + "/submit");
        if (!result.ok) return result;
        const offering = attempt.getAttribute("data-offering");
        if (offering) {
          // Not enrolled (a teacher trying the paper) is no reason to hide the result.
          await api("POST", "/api/v1/progress", { offering, paper: attempt.getAttribute("data-paper") });
        }
        window.location.reload();
        return result;
      });
    });
  }

  // The offering builder (组课).
  const builder = document.querySelector("[data-offering-builder]");
  if (builder) setUpBuilder(builder);

  function setUpBuilder(form) {
    const kindNames = { text: "文本", image: "图形图像", audio: "音频", video: "视频", animation: "动画", simulation: "虚拟仿真",
      document: "文档", courseware: "课件", other: "其他", paper: "试卷" };
    const courseSelect = form.querySelector('[data-field="course"]');
    const courseNames = {};
    courseSelect.querySelectorAll("option[value]").forEach((option) => {
      if (option.value) courseNames[option.value] = option.textContent.split(" · ")[0];
    });
    const list = form.querySelector("[data-units]");
    const status = form.querySelector(".form-status");
    const dialog = document.querySelector("[data-item-picker]");
    let id = form.getAttribute("data-offering-id") || "";
    let units = [];
    let pickingFor = 0;
    let tab = "resource";

    const el = (tag, className, text) => {
      const node = document.createElement(tag);
      if (className) node.className = className;
      if (text !== undefined) node.textContent = text;
      return node;
    };
    const small = (label, title, onClick, attribute) => {
      const button = el("button", "quiet small-button", label);
      button.type = "button";
      button.title = title;
      button.setAttribute("aria-label", title);
      if (attribute) button.setAttribute(attribute, "");
      button.addEventListener("click", onClick);
      return button;
    };
    const move = (array, from, to) => {
      if (to < 0 || to >= array.length) return;
      const [entry] = array.splice(from, 1);
      array.splice(to, 0, entry);
      render();
    };

    function render() {
      list.textContent = "";
      if (units.length === 0) list.append(el("li", "muted small", "还没有单元，点“添加单元”开始。"));
      units.forEach((unit, u) => {
        const li = el("li", "builder-unit");
        li.setAttribute("data-unit-index", String(u));
        const head = el("div", "builder-unit-head");
        const number = el("span", "unit-number", "单元 " + (u + 1));
        const title = el("input");
        title.value = unit.title;
        title.maxLength = 100;
        title.required = true;
        title.placeholder = "单元标题";
        title.setAttribute("aria-label", "单元 " + (u + 1) + " 标题");
        title.setAttribute("data-unit-title", "");
        title.addEventListener("input", () => { unit.title = title.value; });
        const tools = el("span", "tools");
        tools.append(
          small("↑", "上移单元", () => move(units, u, u - 1), "data-unit-up"),
          small("↓", "下移单元", () => move(units, u, u + 1), "data-unit-down"),
          small("删除", "删除单元", () => {
            if (unit.items.length && !window.confirm("删除“" + unit.title + "”及其 " + unit.items.length + " 项内容？")) return;
            units.splice(u, 1);
            render();
          }, "data-unit-remove"),
        );
        head.append(number, title, tools);
        const titleError = el("span", "field-error");
        titleError.setAttribute("data-error-for", "units[" + u + "].title");
        const items = el("ol", "builder-items");
        if (unit.items.length === 0) items.append(el("li", "muted small", "本单元还没有内容。"));
        unit.items.forEach((item, i) => {
          const row = el("li", "builder-item");
          const kind = item.paper ? "paper" : (item.kind || "other");
          row.append(el("span", "tag", kindNames[kind] || "资源"));
          const name = el("span", "builder-item-title", item.title || (item.resource || item.paper));
          row.append(name);
          if (item.course) row.append(el("span", "muted small", courseNames[item.course] || item.course));
          const tools = el("span", "tools");
          tools.append(
            small("↑", "上移", () => move(unit.items, i, i - 1)),
            small("↓", "下移", () => move(unit.items, i, i + 1)),
            small("✕", "移除", () => { unit.items.splice(i, 1); render(); }, "data-item-remove"),
          );
          row.append(tools);
          const error = el("span", "field-error");
          error.setAttribute("data-error-for", "units[" + u + "].items[" + i + "]");
          row.append(error);
          items.append(row);
        });
        const itemsError = el("span", "field-error");
        itemsError.setAttribute("data-error-for", "units[" + u + "].items");
        const add = el("button", "button small secondary", "＋ 添加内容");
        add.type = "button";
        add.setAttribute("data-add-item", String(u));
        add.addEventListener("click", () => openPicker(u));
        li.append(head, titleError, items, itemsError, add);
        list.append(li);
      });
    }

    form.querySelector("[data-add-unit]").addEventListener("click", () => {
      units.push({ title: "单元 " + (units.length + 1), items: [] });
      render();
      const inputs = list.querySelectorAll("[data-unit-title]");
      if (inputs.length) { inputs[inputs.length - 1].focus(); inputs[inputs.length - 1].select(); }
    });

    // The item picker: published resources of any course from the search API, papers from the paper list.
    const results = dialog.querySelector("[data-picker-results]");
    const pickerStatus = dialog.querySelector("[data-picker-status]");
    const query = dialog.querySelector("[data-picker-query]");
    function openPicker(u) {
      pickingFor = u;
      dialog.querySelector("[data-picker-unit]").textContent = "单元 " + (u + 1) + "：" + (units[u].title || "");
      results.textContent = "";
      pickerStatus.textContent = "";
      if (typeof dialog.showModal === "function") dialog.showModal(); else dialog.setAttribute("open", "");
      query.focus();
      search();
    }
    dialog.querySelectorAll("[data-picker-tab]").forEach((button) => {
      button.addEventListener("click", () => {
        if (tab !== button.getAttribute("data-picker-tab")) query.value = "";
        tab = button.getAttribute("data-picker-tab");
        dialog.querySelectorAll("[data-picker-tab]").forEach((b) => b.setAttribute("aria-selected", String(b === button)));
        query.placeholder = tab === "paper" ? "按试卷标题筛选" : "检索已发布的资源（任意课程），支持拼音";
        search();
      });
    });
    dialog.querySelector("[data-picker-search]").addEventListener("submit", (event) => { event.preventDefault(); search(); });
    const inOffering = (kind, itemId) => units.some((unit) => unit.items.some((item) => item[kind] === itemId));

    async function search() {
      const q = query.value.trim();
      pickerStatus.textContent = "正在检索……";
      let found = [];
      if (tab === "resource") {
        const result = await api("GET", "/api/v1/search?status=approved&pageSize=20&sort=" + (q ? "relevance" : "newest") + "&q=" + encodeURIComponent(q));
        if (!result.ok) { pickerStatus.textContent = result.body.detail || "检索失败"; return; }
        found = result.body.items.map((hit) => ({ resource: hit.id, title: hit.title, kind: hit.kind, course: hit.course }));
        pickerStatus.textContent = "共 " + result.body.total + " 个已发布资源" + (result.body.total > 20 ? "，显示前 20 个" : "");
      } else {
        const result = await api("GET", "/api/v1/papers?pageSize=100");
        if (!result.ok) { pickerStatus.textContent = result.body.detail || "读取试卷失败"; return; }
        found = result.body.items.filter((paper) => !q || paper.title.includes(q))
          .map((paper) => ({ paper: paper.id, title: paper.title, course: paper.course }));
        pickerStatus.textContent = "共 " + found.length + " 份试卷";
      }
      results.textContent = "";
      if (found.length === 0) results.append(el("li", "muted", "没有找到。"));
      found.forEach((item) => {
        const kind = item.paper ? "paper" : "resource";
        const row = el("li", "picker-row");
        const text = el("span", "picker-text");
        text.append(el("span", "tag", kindNames[item.paper ? "paper" : item.kind] || "资源"), el("span", "", item.title));
        text.append(el("span", "muted small", " " + (courseNames[item.course] || item.course || "")));
        const add = el("button", "button small", "添加");
        add.type = "button";
        add.setAttribute("data-pick", item[kind]);
        const mark = () => { add.disabled = true; add.textContent = "已添加"; };
        if (inOffering(kind, item[kind])) mark();
        add.addEventListener("click", () => {
          units[pickingFor].items.push(item);
          mark();
          render();
        });
        row.append(text, add);
        results.append(row);
      });
    }

    function body() {
      const payload = {
        title: String(form.querySelector('[data-field="title"]').value || "").trim(),
        description: String(form.querySelector('[data-field="description"]').value || "").trim(),
        units: units.map((unit) => {
          const out = { title: unit.title, items: unit.items.map((item) => (item.paper ? { paper: item.paper } : { resource: item.resource })) };
          if (unit.id) out.id = unit.id;
          return out;
        }),
      };
      if (!id) payload.course = courseSelect.value;
      return payload;
    }

    async function save() {
      clearProblem(form);
      setStatus(status, "正在保存……", null);
      const result = id ? await api("PATCH", "/api/v1/offerings/" + id, body()) : await api("POST", "/api/v1/offerings", body());
      if (!result.ok) {
        setStatus(status, "", null);
        showProblem(form, result.body);
        return false;
      }
      if (!id) {
        id = result.body.id;
        form.setAttribute("data-offering-id", id);
        courseSelect.disabled = true;
        window.history.replaceState(null, "", "/offerings/" + id + "/edit");
      }
      // Units keep the ids the service gave them, so the next save keeps their discussions and progress.
      (result.body.units || []).forEach((unit, u) => { if (units[u]) units[u].id = unit.id; });
      setStatus(status, "已保存 " + new Date().toLocaleTimeString("zh-CN"), "ok");
      return true;
    }

    const disableAll = (value) => form.querySelectorAll(".builder-actions button").forEach((b) => { b.disabled = value; });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      disableAll(true);
      await save();
      disableAll(false);
    });
    form.querySelector("[data-preview-offering]").addEventListener("click", async () => {
      disableAll(true);
      if (await save()) window.location.href = "/offerings/" + id;
      disableAll(false);
    });
    form.querySelector("[data-publish-offering]").addEventListener("click", async () => {
      disableAll(true);
      if (await save()) {
        const result = await api("POST", "/api/v1/offerings/" + id + "/publish");
        if (result.ok) { window.location.href = "/offerings/" + id; return; }
        setStatus(status, "", null);
        showProblem(form, result.body);
      }
      disableAll(false);
    });

    (async () => {
      if (id) {
        const result = await api("GET", "/api/v1/offerings/" + id);
        if (!result.ok) { showProblem(form, result.body); return; }
        const offering = result.body;
        form.querySelector('[data-field="title"]').value = offering.title || "";
        form.querySelector('[data-field="description"]').value = offering.description || "";
        courseSelect.value = offering.course;
        courseSelect.disabled = true;
        units = (offering.units || []).map((unit) => ({ id: unit.id, title: unit.title, items: unit.items }));
      } else {
        units = [{ title: "单元 1", items: [] }];
      }
      render();
    })();
  }
})();
