#!/usr/bin/env python3
"""Granary in a real browser: headless Chromium walks the main path of each role and saves screenshots.

    python3 Tests/Browser/run.py [--binary .build/debug/granary] [--metadata Metadata] [--out /tmp/granary-browser]

Needs Debian's `chromium` and `chromium-driver` and `pip install selenium`. The script starts
`granary serve --demo` on a free loopback port over a fresh temporary data folder, drives the pages with real
clicks and typing, checks each step, fails on browser console errors (CSP violations land there), saves a
screenshot after every step (1280 wide; phone shots 390 wide for the pages people open on phones), stops the
server whatever happens, and exits 0 only when every step passed.

Adding steps: write `def role_xxx(b: Browser)` using `b.login`, `b.go`, `b.click`, `b.type`, `b.wait_visible`,
`b.expect`, `b.shot`, and append it to ROLES. A role's state for later roles goes in `b.shared`.
"""

from __future__ import annotations

import argparse
import json
import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Reliability"))
import two_factor  # noqa: E402
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

PASSWORD = "granary-demo"
DESKTOP = (1280, 900)
PHONE = (390, 844)
WAIT = 15  # seconds any one condition may take
# Console messages no page should be blamed for.
ALWAYS_ALLOWED = [re.compile(r"favicon\.ico")]


class StepFailed(Exception):
    pass


# --------------------------------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`granary serve --demo` over a fresh data folder; stopped (and the folder removed) by `stop`."""

    def __init__(self, binary: str, metadata: str):
        self.binary = os.path.abspath(binary)
        self.metadata = os.path.abspath(metadata)
        self.data = tempfile.mkdtemp(prefix="granary-browser-data-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.data, "server.log")
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> None:
        if not os.access(self.binary, os.X_OK):
            raise SystemExit(f"no granary binary at {self.binary} (run `swift build` first)")
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [
                self.binary, "serve", "--demo",
                "--data", os.path.join(self.data, "store"),
                "--metadata", self.metadata,
                "--host", "127.0.0.1", "--port", str(self.port),
                "--bcrypt-cost", "4",  # the demo's accounts; logging in stays quick in a debug build
                "--log-level", "warning",
            ],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"granary serve exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + "/api/v1/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)  # polling a starting process, not synchronising with a page
        raise SystemExit(f"granary serve did not answer /api/v1/health within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.data, ignore_errors=True)


# -------------------------------------------------------------------------------------------------- the browser


class Browser:
    """One headless Chromium plus the helpers role steps use."""

    def __init__(self, base: str, out: Path, full_page: bool):
        self.base = base
        self.out = out
        self.full_page = full_page
        self.verbose = False
        self.role = "start"
        self.step = 0
        self.shots: list[Path] = []
        self.passed: list[str] = []
        self.shared: dict = {}  # what one role leaves for later ones (ids, titles)
        self.allowed: list[re.Pattern] = []  # console messages the current step expects (e.g. a 422 it provoked)
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in (
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--lang=zh-CN",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # Chromium offers to save passwords and such; none of that in a test.
        options.add_experimental_option("prefs", {"credentials_enable_service": False, "intl.accept_languages": "zh-CN,zh"})
        # An explicit driver: selenium-manager must never go to the network.
        driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
        self.driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
        self.resize(DESKTOP)

    # --- checks

    def expect(self, condition: object, message: str) -> None:
        """Fails the step with `message` (what was expected) unless `condition` holds."""
        if not condition:
            raise StepFailed(message)

    def wait(self, condition: Callable, message: str, timeout: float = WAIT):
        """Waits for a WebDriverWait condition; on time-out fails with `message`."""
        try:
            # A page replaced while the condition looks at it is not a failure, only "not yet".
            return WebDriverWait(self.driver, timeout, ignored_exceptions=(WebDriverException,)).until(condition)
        except TimeoutException:
            raise StepFailed(message) from None

    def wait_visible(self, css: str, message: str | None = None, timeout: float = WAIT) -> WebElement:
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), message or f"visible element {css}", timeout)

    def wait_text(self, css: str, text: str, message: str | None = None) -> WebElement:
        """Waits until the element `css` is visible and contains `text`."""
        def found(driver):
            for element in driver.find_elements(By.CSS_SELECTOR, css):
                try:
                    if element.is_displayed() and text in element.text:
                        return element
                except WebDriverException:
                    continue
            return False
        return self.wait(found, message or f"{css} showing {text!r}")

    def wait_url(self, fragment: str, message: str | None = None) -> None:
        self.wait(EC.url_contains(fragment), message or f"URL containing {fragment!r}")

    def find(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def link(self, text: str, within: str = "body") -> WebElement:
        """A visible link whose text contains `text`, inside `within`."""
        return self.wait(
            lambda d: next((a for a in d.find_elements(By.CSS_SELECTOR, f"{within} a") if a.is_displayed() and text in a.text), False),
            f"a link {text!r} in {within}",
        )

    def button(self, text: str, within: str = "body") -> WebElement:
        return self.wait(
            lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, f"{within} button") if b.is_displayed() and b.is_enabled() and text in b.text), False),
            f"an enabled button {text!r} in {within}",
        )

    # --- actions

    def go(self, path: str) -> None:
        self.driver.get(self.base + path)
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete", f"{path} to load")

    def click(self, element: WebElement) -> None:
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        self.wait(lambda d: element.is_displayed() and element.is_enabled(), "the element to be clickable")
        element.click()

    def click_and_load(self, element: WebElement) -> None:
        """Clicks something that navigates, and waits until a new document has loaded.

        The old page is marked; the wait ends when the window holds a complete document without the mark. (Selenium's
        staleness_of can meet Chromium's "node does not belong to the document" while the old page unloads.)
        """
        self.driver.execute_script("window.__granaryOldPage = true")
        self.click(element)

        def loaded(driver):
            try:
                return driver.execute_script("return !window.__granaryOldPage && document.readyState === 'complete'")
            except WebDriverException:
                return False  # between documents
        self.wait(loaded, "the click to open a new page")

    def type(self, css: str, text: str, clear: bool = True) -> WebElement:
        field = self.wait_visible(css)
        if clear:
            field.clear()
        field.send_keys(text)
        return field

    def login(self, user: str, password: str = PASSWORD, shot: bool = False) -> None:
        """Signs in through the log-in form, as a person would (with `shot`, a picture of the filled form); the admin
        and the reviewer type their authenticator's code as well (two_factor.py)."""
        def attempt(totp: str | None) -> tuple[int, object]:
            self.go("/login")
            self.type("input[name=username]", user)
            self.type("input[name=password]", password)
            if totp:
                self.type("input[name=totp]", totp)
            if shot:
                self.passed_step("login-form", phone=True)
            self.click_and_load(self.button("登录", "main form"))
            if "/login" not in self.driver.current_url:
                return 201, None
            alert = self.driver.find_elements(By.CSS_SELECTOR, "main .alert")
            message = alert[0].text if alert else ""
            # The form shows the problem's Chinese detail; a used code reads like a wrong one.
            return 401, {"code": "totp_invalid" if "动态验证码" in message and totp else "refused", "detail": message}
        two_factor.log_in(user, attempt)
        self.wait_text("header .who .person", "", f"{user} signed in (name in the header)")
        self.expect("/login" not in self.driver.current_url, f"{user} to leave /login after signing in")

    def logout(self) -> None:
        self.click_and_load(self.button("退出", "header"))
        self.wait_visible("header a[href='/login']", "the 登录 link after signing out")

    def resize(self, size: tuple[int, int]) -> None:
        """Makes the viewport (not the window around it) `size`, and waits for the layout to take it."""
        width, height = size
        self.driver.set_window_size(width, height)
        inner = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        if inner != [width, height]:
            self.driver.set_window_size(width + width - inner[0], height + height - inner[1])
        self.wait(lambda d: d.execute_script("return window.innerWidth") == width, f"viewport {width} wide")

    def shot(self, name: str) -> Path:
        """Saves a screenshot of the current page as NN-role-name.png (the whole page when --full-page)."""
        self.step += 1
        path = self.out / f"{self.step:02d}-{self.role}-{name}.png"
        self.capture(path)
        self.shots.append(path)
        return path

    def phone_shot(self, name: str) -> Path:
        """The same page at phone width, then back to the desktop size."""
        self.resize(PHONE)
        try:
            return self.shot(name + "-phone")
        finally:
            self.resize(DESKTOP)

    def capture(self, path: Path) -> None:
        if not self.full_page:
            self.driver.save_screenshot(str(path))
            return
        # From the top, so the sticky header sits at the top of the picture rather than across its middle.
        scrolled = self.driver.execute_script("const y = window.scrollY; window.scrollTo(0, 0); return y")
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        width = self.driver.execute_script("return window.innerWidth")
        height = max(int(size["height"]), self.driver.execute_script("return window.innerHeight"))
        data = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 12000), "scale": 1}},
        )
        path.write_bytes(base64.b64decode(data["data"]))
        self.driver.execute_script("window.scrollTo(0, arguments[0])", scrolled)

    def console_errors(self) -> list[str]:
        """SEVERE browser console entries since the last call, minus favicon 404s and what the step allowed."""
        entries = self.driver.get_log("browser")
        bad = []
        for entry in entries:
            if entry.get("level") != "SEVERE":
                continue
            message = entry.get("message", "")
            if any(p.search(message) for p in ALWAYS_ALLOWED + self.allowed):
                if self.verbose:
                    print(f"      (expected console error: {message})", flush=True)
                continue
            bad.append(message)
        return bad

    def check_console(self, where: str) -> None:
        errors = self.console_errors()
        self.expect(not errors, f"no browser console errors on {where}, got:\n    " + "\n    ".join(errors))

    def passed_step(self, name: str, phone: bool = False) -> None:
        """Ends a step: no console errors, a screenshot (and a phone one), counted as passed."""
        self.check_console(self.driver.current_url)
        self.shot(name)
        if phone:
            self.phone_shot(name)
            self.check_console(self.driver.current_url + " at phone width")
        self.allowed = []
        self.passed.append(f"{self.role}: {name}")
        print(f"  ok  {self.role}: {name}", flush=True)

    def quit(self) -> None:
        try:
            self.driver.quit()
        except Exception:
            pass


def path_of(url: str) -> str:
    parsed = urlparse(url)
    return parsed.path + (("?" + parsed.query) if parsed.query else "")


# ------------------------------------------------------------------------------------------------- role steps


def role_learner(b: Browser) -> None:
    b.login("xuesheng", shot=True)
    b.go("/")
    b.wait_text("main h2", "专业人才培养方案", "the talent plan section on the home page")
    b.wait_text("main h3", "培养目标", "the plan's goals (培养目标)")
    b.expect(b.find("main table tbody tr"), "the plan's course table to have rows")
    image = b.wait_visible("main a.map img", "the course-system map image")
    b.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", image)  # it loads lazily
    b.wait(
        lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image),
        "the course-system map image to load (naturalWidth > 0)",
    )
    b.driver.execute_script("window.scrollTo(0, 0)")
    b.passed_step("home", phone=True)

    # Search from the home page's box, in characters, then in pinyin.
    b.type("main form.searchbox input[name=q]", "焊接")
    b.click_and_load(b.button("检索", "main form.searchbox"))
    b.wait_url("/search")
    b.wait_visible("ol.hits li.hit h3 a", "search hits for 焊接")
    total = int(b.wait_visible("p.summary strong").text)
    b.expect(total >= 3, f"several hits for 焊接, got {total}")
    b.expect(b.find("p.snippet mark, p.snippet em, p.snippet b, p.snippet strong") or b.find("p.snippet"), "snippets under the hits")
    b.passed_step("search-hanzi", phone=True)

    b.type("main form.searchbox input[name=q]", "hanjie")
    b.click_and_load(b.button("检索", "main form.searchbox"))
    b.wait_url("q=hanjie")
    b.wait_visible("ol.hits li.hit h3 a", "search hits for pinyin hanjie")
    b.passed_step("search-pinyin")

    # A facet: the kind 音频 (audio) among the hits for 电弧, so the resource opened next plays in place.
    b.type("main form.searchbox input[name=q]", "电弧")
    b.click_and_load(b.button("检索", "main form.searchbox"))
    b.wait_visible("ol.hits li.hit h3 a", "search hits for 电弧")
    facet = b.link("音频", "aside.facets")
    b.click_and_load(facet)
    b.wait_visible("p.filters a.chip", "the chosen facet shown as a removable chip")
    hits = b.find("ol.hits li.hit")
    b.expect(hits, "hits after choosing the 音频 facet")
    b.expect(all("音频" in h.find_element(By.CSS_SELECTOR, ".meta .tag").text for h in hits), "only 音频 hits after the facet")
    b.passed_step("search-facet")

    b.click_and_load(b.find("ol.hits li.hit h3 a")[0])
    b.wait_url("/resources/")
    b.wait_visible("article.resource h1", "the resource's title")
    media = b.wait(
        lambda d: next((m for m in d.find_elements(By.CSS_SELECTOR, ".media audio, .media video, .media img") if m.is_displayed()), False),
        "a media element (audio, video or img) on the resource page",
    )
    b.expect(media.get_attribute("src"), "the media element to have a source")
    b.passed_step("resource", phone=True)

    # Rate it: four stars and a comment.
    four = b.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "form[data-rate-resource] input[name=stars][value='4']")), "the star choices")
    b.click(four.find_element(By.XPATH, ".."))
    b.expect(four.is_selected(), "four stars chosen after clicking ★★★★")
    b.type("form[data-rate-resource] textarea[name=comment]", "声音清楚，适合课前预习。")
    b.click(b.button("提交评价", "form[data-rate-resource]"))
    b.wait_text("form[data-rate-resource] .form-status.ok", "感谢评价", "the rating's success message 感谢评价！")
    b.passed_step("rated")

    b.logout()
    b.passed_step("logged-out")


UPLOAD_TITLE = "浏览器测试：电弧稳定性自测讲义"


def role_teacher(b: Browser) -> None:
    b.login("zhang.laoshi")
    b.click_and_load(b.link("上传", "header nav"))
    b.wait_url("/upload")
    b.type("form[data-upload-form] input[name=title]", UPLOAD_TITLE)
    b.type("form[data-upload-form] textarea[name=description]", "自测电弧长度与电压的关系，浏览器测试上传。")
    Select(b.wait_visible("form[data-upload-form] select[name=course]")).select_by_value("weld-methods")
    point = b.wait(
        EC.element_to_be_clickable((By.CSS_SELECTOR, "form[data-upload-form] [data-points] input[name=knowledgePoints][value='arc']")),
        "the knowledge-point checkboxes of 焊接方法与设备",
    )
    b.click(point)
    b.expect(point.is_selected(), "knowledge point 焊接电弧 ticked")
    b.click(b.find("form[data-upload-form] input[name=original][value='true']")[0])
    b.type("form[data-upload-form] input[name=tags]", "电弧, 自测")
    notes = Path(b.shared["tmp"]) / "arc-self-test.txt"
    notes.write_text("电弧稳定性自测：弧长增加时电弧电压升高。\n请记录三组电流与电压。\n", encoding="utf-8")
    b.find("form[data-upload-form] input[type=file]")[0].send_keys(str(notes))
    b.passed_step("upload-filled")

    b.click(b.button("上传", "form[data-upload-form]"))
    link = b.wait_visible("[data-upload-result] a[data-result-link]", "the upload result with the new resource's link")
    b.expect(link.text == UPLOAD_TITLE, f"the result link to read {UPLOAD_TITLE!r}, got {link.text!r}")
    b.expect("/resources/" in link.get_attribute("href"), "the result link to point at /resources/{id}")
    b.shared["resource"] = link.get_attribute("href").rsplit("/", 1)[-1]
    b.expect(b.find("[data-upload-result] [data-result-name]")[0].text.endswith(".txt"), "the canonical name shown")
    b.click(b.button("提交审核", "[data-upload-result]"))
    b.wait_text("[data-upload-result] .form-status.ok", "已提交审核", "the 已提交审核 message")
    b.passed_step("uploaded-submitted")

    # Question import: the shipped Word template, its six example questions as drafts.
    b.click_and_load(b.link("导入试题", "header nav"))
    b.wait_url("/questions/import")
    b.expect(len(b.find("a[href='/api/v1/questions/import/template?format=docx']")) == 1, "the Word template's download link")
    Select(b.wait_visible("form[data-import-form] select[name=course]")).select_by_value("weld-methods")
    point = b.wait(
        EC.element_to_be_clickable((By.CSS_SELECTOR, "form[data-import-form] [data-points] input[name=knowledgePoints][value='arc']")),
        "the knowledge-point checkboxes on the import form",
    )
    b.click(point)
    template = Path(__file__).resolve().parent.parent.parent / "Metadata" / "templates" / "question-import.docx"
    b.find("form[data-import-form] input[type=file]")[0].send_keys(str(template))
    b.click(b.button("导入", "form[data-import-form]"))
    b.wait_text("[data-import-result] [data-import-summary]", "已导入 6 题", "the import summary 已导入 6 题（草稿）")
    b.passed_step("questions-imported")

    # A QTI package whose items show pictures: each question imported opens on its page, its pictures in place.
    package = Path(__file__).resolve().parent.parent / "Fixtures" / "question-formats" / "welding-media-qti.zip"
    b.find("form[data-import-form] input[type=file]")[0].send_keys(str(package))
    b.click(b.button("导入", "form[data-import-form]"))
    b.wait_text("[data-import-result] [data-import-summary]", "已导入 2 题", "the import summary 已导入 2 题 for the package")
    b.click_and_load(b.link("第 1 题", "[data-import-result] [data-import-imported]"))
    b.wait_url("/questions/")
    pictures = b.find("main img.question-file")
    b.expect(len(pictures) == 4, f"the stem's picture, two options' and the analysis's, got {len(pictures)}")
    b.wait(
        lambda d: all(d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", p) for p in pictures),
        "every picture of the question to load from the bank (naturalWidth > 0)",
    )
    b.passed_step("question-pictures")
    b.click(b.button("提交审核", "main"))
    b.wait_text("main .form-status.ok", "已提交审核", "the question's 已提交审核 message")

    # Paper builder: a blueprint the demo bank can meet.
    b.click_and_load(b.link("组卷", "header nav"))
    form = "form[data-paper-form]"
    Select(b.wait_visible(f"{form} select[name=course]")).select_by_value("weld-methods")
    b.type(f"{form} input[name=title]", "焊接方法与设备 随堂测验")
    counts = {"single": 2, "multiple": 0, "judge": 2, "fill": 0, "short": 1, "practical": 0}
    for kind, n in counts.items():
        b.type(f"{form} input[data-type='{kind}']", str(n))
    b.wait_text(f"{form} [data-total]", "5", "the question total to read 5")
    b.type(f"{form} input[name=target]", "2")
    b.type(f"{form} input[name=tolerance]", "0.5")
    # The demo's questions keep their own scores: 2 + 2 (single), 1 + 1 (judge), 5 (short) make exactly 11.
    b.type(f"{form} input[name=score]", "11")
    b.click(b.find(f"{form} input[name=cover][value='chosen']")[0])
    for point_id in ("arc", "safety"):
        box = b.wait(
            EC.element_to_be_clickable((By.CSS_SELECTOR, f"{form} [data-points] input[name=knowledgePoints][value='{point_id}']")),
            f"the {point_id} checkbox in the paper builder",
        )
        b.click(box)
    b.click(b.button("组卷", form))
    b.wait_visible("[data-paper-result] [data-figures] dd", "the paper's achieved figures")
    figures = b.find("[data-paper-result] [data-figures]")[0].text
    b.expect("5 题" in figures, f"the figures to show 5 题, got {figures!r}")
    b.expect("总分\n11" in figures or "总分 11" in figures, f"the figures to show the total score 11, got {figures!r}")
    b.wait_visible("[data-paper-result] a[data-paper-link]", "the 查看试卷 link")
    b.passed_step("paper-assembled")

    # An impossible blueprint: more single-choice questions than the course has.
    b.allowed = [re.compile(r"api/v1/papers .*(422|409|400)")]
    b.go("/papers/new")
    Select(b.wait_visible(f"{form} select[name=course]")).select_by_value("weld-methods")
    b.type(f"{form} input[name=title]", "不可能的试卷")
    for kind, n in {"single": 9, "multiple": 0, "judge": 0, "fill": 0, "short": 0, "practical": 0}.items():
        b.type(f"{form} input[data-type='{kind}']", str(n))
    b.click(b.button("组卷", form))
    box = b.wait_visible("[data-form-error]", "the reason an impossible blueprint cannot be met")
    b.expect(re.search(r"[\u4e00-\u9fff]", box.text), f"a Chinese reason, got {box.text!r}")
    b.expect(not b.find("[data-paper-result]")[0].is_displayed(), "no paper result for an impossible blueprint")
    b.shared["impossible_reason"] = box.text
    b.passed_step("paper-impossible")
    b.logout()


def role_reviewer(b: Browser) -> None:
    b.login("wang.shenhe")
    b.click_and_load(b.link("审核队列", "header nav"))
    title = UPLOAD_TITLE
    row = b.link(title, "main table")
    b.passed_step("queue", phone=True)

    b.click_and_load(row)
    b.wait_url("/review/resource/")
    item_path = path_of(b.driver.current_url)
    b.wait_text("main h1", title)
    b.wait_visible(".media pre.text, .media a.button", "the item's content or download link")
    checks = ["political", "scientific", "applicability", "normativity"]

    # Approving with a check left out is refused, with the reason on the page.
    b.allowed = [re.compile(r"/review/resource/.* (400|403|409|422)")]
    for name in checks[:3]:
        b.click(b.find(f"fieldset.checks input[name={name}]")[0])
    b.click(b.find("input[name=decision][value=approve]")[0])
    b.click_and_load(b.button("提交审核结论", "main form"))
    alert = b.wait_visible("main .alert", "the refusal when a check is missing")
    b.expect(re.search(r"[\u4e00-\u9fff]", alert.text), f"a Chinese refusal, got {alert.text!r}")
    b.expect(path_of(b.driver.current_url).startswith("/review/resource/"), "to stay on the item after the refusal")
    b.passed_step("refused-missing-check")

    # All four, approve.
    if not path_of(b.driver.current_url).startswith("/review/resource/"):
        b.go(item_path)
    for name in checks:
        box = b.find(f"fieldset.checks input[name={name}]")[0]
        if not box.is_selected():
            b.click(box)
        b.expect(box.is_selected(), f"check {name} ticked")
    b.click(b.find("input[name=decision][value=approve]")[0])
    b.passed_step("item-checked", phone=True)
    b.click_and_load(b.button("提交审核结论", "main form"))
    b.wait_url("/review")
    b.wait_text("main .notice", "已通过", "the notice 已通过，内容已发布。")
    b.expect(not any(title in a.text for a in b.find("main table a")), "the approved item gone from the queue")
    b.passed_step("approved")
    b.logout()


def role_admin(b: Browser) -> None:
    b.login("admin")
    b.click_and_load(b.link("报告", "header nav"))
    b.wait_url("/report")
    b.wait_text("main h1", "监测报告")
    rows = b.find("main table tbody tr")
    verdicts = [e.text for e in b.find("main td span.pass, main td span.fail")]
    b.expect(len(verdicts) >= 5, f"the report's rules, each with 达标/未达标, got {verdicts}")
    b.expect(set(verdicts) <= {"达标", "未达标"}, f"verdicts only 达标/未达标, got {set(verdicts)}")
    b.expect(rows, "report tables with rows")
    b.passed_step("report")
    b.logout()


def role_learner_again(b: Browser) -> None:
    b.login("xuesheng")
    b.type("main form.searchbox input[name=q]", "电弧稳定性")
    b.click_and_load(b.button("检索", "main form.searchbox"))
    b.link(UPLOAD_TITLE, "ol.hits")
    b.passed_step("finds-approved")
    b.click_and_load(b.link(UPLOAD_TITLE, "ol.hits"))
    b.wait_text(".media pre.text", "电弧稳定性自测", "the text resource shown in place")
    b.passed_step("approved-resource")
    b.logout()



OFFERING_TITLE = "浏览器测试：焊接电弧与检测（组课）"


def role_teacher_offering(b: Browser) -> None:
    """组课: a new offering with a unit holding resources of two courses, saved, previewed and published."""
    b.login("zhang.laoshi")
    b.click_and_load(b.link("组课", "header nav"))
    b.wait_url("/offerings")
    if "/offerings/new" not in b.driver.current_url:
        b.click_and_load(b.link("新建课程", "main"))
    form = "form[data-offering-builder]"
    b.type(f"{form} [data-field=title]", OFFERING_TITLE)
    Select(b.wait_visible(f"{form} [data-field=course]")).select_by_value("weld-methods")
    b.type(f"{form} [data-field=description]", "浏览器测试组建的课程：先学电弧，再看焊接变形。")
    # The builder starts with one empty unit; name it.
    b.wait_visible(f"{form} [data-add-unit]")
    if not b.find(f"{form} [data-unit-title]"):
        b.click(b.wait_visible(f"{form} [data-add-unit]"))
    b.type(f"{form} [data-unit-title]", "单元一 电弧与变形")
    # Two resources from the library: one of this course, one of another (焊接结构生产).
    for query in ("电弧的物理本质", "焊接变形的控制方法"):
        b.click(b.wait_visible(f"{form} [data-add-item='0']"))
        b.wait_visible("dialog[data-item-picker] [data-picker-query]", "the item picker")
        b.type("dialog[data-item-picker] [data-picker-query]", query)
        b.click(b.button("检索", "dialog[data-item-picker]"))
        pick = b.wait(
            lambda d: next(
                (x for x in d.find_elements(By.CSS_SELECTOR, "dialog[data-item-picker] [data-pick]") if x.is_displayed() and x.is_enabled()), False
            ),
            f"a published resource for {query!r} in the picker",
        )
        b.click(pick)
        b.wait_text("dialog[data-item-picker] [data-pick]", "已添加", "the picked resource marked 已添加")
        b.click(b.button("关闭", "dialog[data-item-picker]"))
        b.wait(lambda d: not d.find_element(By.CSS_SELECTOR, "dialog[data-item-picker]").is_displayed(), "the picker to close")
    b.passed_step("builder-filled", phone=True)
    b.click(b.wait_visible(f"{form} [data-save-offering]"))
    b.wait_text(f"{form} .form-status.ok", "已保存", "the 已保存 status after saving")
    b.wait_url("/edit")
    b.click_and_load(b.wait_visible(f"{form} [data-publish-offering]"))
    b.wait(lambda d: re.search(r"/offerings/[0-9a-f-]{36}$", path_of(d.current_url)), "the offering page after publishing")
    b.wait_text("main h1", OFFERING_TITLE)
    b.shared["offering"] = path_of(b.driver.current_url).rsplit("/", 1)[-1]
    b.expect(len(b.find("article.offering a[href*='/resources/']")) == 2, "the two resources listed in the published offering")
    b.expect(len(b.find("article.offering [data-discussion-link]")) == 1, "one unit in the published offering")
    b.expect(not b.find("[data-unpublished-notice]"), "no unpublished-changes notice right after publishing")
    b.passed_step("offering-published")
    b.logout()


def role_learner_study(b: Browser) -> None:
    """The learner's course work: 我的学习, continue, complete an item, the unit discussion, the paper, a new enrolment."""
    b.login("xuesheng")
    b.click_and_load(b.link("我的学习", "header nav"))
    b.wait_url("/me")
    b.wait_text("main .enrolment", "焊接入门（示范课）", "the demo offering among the learner's courses")
    b.expect(b.find("main .suggestions li"), "recommendations (为你推荐) on 我的学习")
    b.passed_step("my-learning", phone=True)

    b.click_and_load(b.wait_visible("main .enrolment [data-continue]", "the 继续学习 link"))
    b.wait_url("offering=")
    finished = path_of(b.driver.current_url)
    b.click_and_load(b.wait_visible("[data-complete-item]", "the 完成本项 button on the resource page"))
    b.expect(path_of(b.driver.current_url) != finished, "to move on to the next item after completing one")
    b.passed_step("item-completed")

    offering = b.wait_visible("header nav a[href='/offerings']", "the 课程 link")
    b.click_and_load(offering)
    b.click_and_load(b.link("焊接入门（示范课）", "main"))
    b.wait_visible("[data-progress]", "the learner's progress on the offering page")
    marks = len(b.find("article.offering [data-done]"))
    b.expect(marks == 2, f"two items marked done (one from the demo, one just now), got {marks}")
    b.passed_step("offering-progress", phone=True)

    # The unit discussion: the demo's question has the teacher's answer; the learner replies.
    b.click_and_load(b.find("[data-discussion-link]")[0])
    b.wait_visible(".thread .teacher-badge", "the teacher's reply marked 教师")
    b.wait_text(".thread .replies [data-answer]", "解答", "the teacher's reply marked 解答 (答疑)")
    reply = "谢谢老师，明白了：等离子体导电发热。"
    b.click(b.wait_visible(".thread details.reply-box summary", "the 回复 opener under the thread"))
    b.type(".thread form[data-post-form] textarea[name=body]", reply)
    b.click_and_load(b.button("回复", ".thread form[data-post-form]"))
    b.wait_text(".thread .replies", reply, "the learner's reply in the thread")
    b.passed_step("discussion-reply")

    # The unit test: answer every question, hand in, see the score.
    b.go("/offerings/" + path_of(b.driver.current_url).split("/")[2])
    b.click_and_load(b.wait(
        lambda d: next((a for a in d.find_elements(By.CSS_SELECTOR, "article.offering a[href*='/papers/']") if a.is_displayed()), False),
        "the paper in the offering",
    ))
    b.click_and_load(b.wait_visible("[data-start-attempt]", "the 开始作答 button"))
    b.wait_url("/attempts/")
    for question in b.find("[data-question]"):
        kind = question.get_attribute("data-type")
        if kind in ("single", "multiple"):
            b.click(question.find_elements(By.CSS_SELECTOR, "input")[0])
        elif kind == "judge":
            b.click(question.find_element(By.CSS_SELECTOR, "input[value='true']"))
        elif kind == "fill":
            for blank in question.find_elements(By.CSS_SELECTOR, "[data-blank]"):
                blank.send_keys("10-15")
        else:
            question.find_element(By.CSS_SELECTOR, "textarea").send_keys("见讲义。")
    b.passed_step("attempt-answered", phone=True)
    b.click_and_load(b.wait_visible("[data-attempt-submit]", "the 交卷 button"))
    b.wait_visible("[data-attempt-result] [data-score]", "the score after handing in")
    b.expect(b.find("[data-outcome]"), "each question marked correct, wrong or waiting")
    b.passed_step("attempt-scored")

    # Free choice: the offering the teacher just published.
    b.go("/offerings")
    b.click_and_load(b.link(OFFERING_TITLE, "main"))
    b.click_and_load(b.wait_visible("[data-enrol]", "the 选课 button"))
    b.wait_visible("[data-progress]", "progress shown once enrolled")
    b.passed_step("enrolled")

    # The scored attempt shows on 我的学习 as mastery of the points its questions assess.
    b.click_and_load(b.link("我的学习", "header nav"))
    rows = b.find("[data-mastery] ul.mastery li")
    b.expect(rows, "points with their mastery under 知识点掌握度 after a scored attempt")
    b.expect(all(re.search(r"\d+%", row.text) for row in rows), "a percentage on every point")
    image = b.wait_visible("[data-mastery] img[data-mastery-map]", "the course-system map coloured by mastery")
    b.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", image)  # it loads lazily
    b.wait(
        lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image),
        "the mastery map to load (naturalWidth > 0)",
    )
    b.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", rows[0])
    b.passed_step("mastery", phone=True)

    # 学习路径: the path to 焊工, prerequisites first, the next step marked; the learner follows it to a resource.
    Select(b.wait_visible("[data-path] select[name=job]", "the job chooser of 学习路径")).select_by_visible_text("焊工")
    b.click_and_load(b.button("查看路径", "[data-path]"))
    steps = b.find("[data-path] ol.path > li")
    b.expect(len(steps) >= 4, f"the steps of the path to 焊工, got {len(steps)}")
    b.expect(re.search(r"已掌握 \d+ 步", b.wait_visible("[data-path] p", "the path's tally").text), "how many steps are mastered")
    following = b.wait_visible("[data-path] li.path-next", "the next step marked 下一步")
    b.expect("下一步" in following.text, "下一步 on the next step")
    b.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", following)
    b.passed_step("learning-path", phone=True)
    resource = next(iter(b.find("[data-path] li.path-next ul a") or b.find("[data-path] ol.path ul a")), None)
    b.expect(resource is not None, "a resource to learn a step with")
    title = resource.text
    b.click_and_load(resource)
    b.wait_text("main h1", title, "the path's resource opened")
    b.go("/me")

    # 练一练: a set on the weakest points of a course; one answer checked at once shows the right answer and the
    # analysis, and the mastery on 我的学习 counts it while the set is still open.
    def answers_counted() -> int:
        return sum(int(n) for n in re.findall(r"(\d+) 次作答", b.wait_visible("[data-mastery]", "知识点掌握度").text))
    before = answers_counted()
    b.click_and_load(b.wait_visible("[data-mastery] [data-practice]", "a 练一练 button beside a course"))
    b.wait_visible("[data-practice-note]", "the practice set's note about 核对")
    question = b.wait_visible("li.question", "the practice set's first question")
    kind = question.get_attribute("data-type")
    if kind == "fill":
        for blank in question.find_elements(By.CSS_SELECTOR, "[data-blank]"):
            blank.send_keys("10-15")
    else:
        b.click(question.find_elements(By.CSS_SELECTOR, "input")[0])
    b.click_and_load(question.find_element(By.CSS_SELECTOR, "[data-check-answer]"))
    b.wait_visible("li.question [data-right-answer]", "the right answer shown after 核对")
    b.expect(b.find("li.question [data-outcome]"), "correct or wrong shown at once")
    b.expect(b.find("li.question [data-check-answer]") or len(b.find("li.question")) == 1, "the other questions still to answer")
    b.passed_step("practice-checked", phone=True)
    b.go("/me")
    after = answers_counted()
    b.expect(after > before, f"the checked answer counted for mastery at once ({before} → {after} answers)")

    # A personal access token for an assistant: made on 我的学习, its secret shown once, then revoked.
    b.type("form[data-token-form] input[name=name]", "浏览器测试助手")
    b.click(b.button("创建令牌", "form[data-token-form]"))
    secret = b.wait_visible("[data-token-secret] code", "the new token's secret, shown once")
    b.expect(len(secret.text) >= 40, f"a long secret, got {secret.text!r}")
    row = b.wait(
        lambda d: next((r for r in d.find_elements(By.CSS_SELECTOR, "[data-token-rows] tr") if "浏览器测试助手" in r.text), False),
        "the new token in the list",
    )
    b.passed_step("token-made")
    b.click(row.find_element(By.CSS_SELECTOR, "[data-revoke-token]"))
    b.wait(lambda d: not any("浏览器测试助手" in r.text for r in d.find_elements(By.CSS_SELECTOR, "[data-token-rows] tr")), "the token gone once revoked")
    b.logout()


def role_admin_analytics(b: Browser) -> None:
    b.login("admin")
    b.click_and_load(b.link("数据分析", "header nav"))
    b.wait_url("/analytics")
    b.wait_text("main", "教学行为", "the teaching-behaviour section")
    b.expect(b.find("main table tbody tr"), "analytics tables with rows")
    b.passed_step("analytics", phone=True)
    b.logout()


def role_teacher_two_factor(b: Browser) -> None:
    """A teacher turns on two-step log-in from 账户安全: scans (reads) the QR code's secret, confirms with a code, keeps
    the recovery codes, and from then on logs in with a code."""
    b.login("li.laoshi")
    b.click_and_load(b.driver.find_element(By.CSS_SELECTOR, "header a.person"))
    b.wait_url("/account")
    b.click_and_load(b.button("启用两步验证", "main form"))
    qr = b.wait_visible("main figure.qr svg", "the QR code to scan")
    b.expect(qr.size["width"] >= 100, f"a QR code large enough to scan, got {qr.size}")
    secret = b.wait_visible("main code.secret", "the secret to type when the camera cannot scan").text
    b.passed_step("enrol-qr", phone=True)
    # What the authenticator app shows for that secret now.
    b.type("main form input[name=code]", two_factor.code(secret, int(time.time()) // two_factor.STEP))
    two_factor._last_used["li.laoshi"] = int(time.time()) // two_factor.STEP
    b.click_and_load(b.button("确认启用", "main form"))
    b.wait_text("main", "已启用", "two-step log-in on")
    codes = [c.text for c in b.find("main ul.codes code")]
    b.expect(len(codes) == 10, f"ten recovery codes, got {len(codes)}")
    b.passed_step("recovery-codes", phone=True)
    b.logout()
    two_factor.DEMO_SECRETS["li.laoshi"] = secret
    b.login("li.laoshi")
    b.passed_step("logged-in-with-code")
    b.logout()


def role_security(b: Browser) -> None:
    """The security administrator (三权分立) finds a learner locked after five wrong passwords, unlocks it, and moves a
    teacher to reviewer; its menu holds its duty only."""
    for attempt in range(5):
        request = urllib.request.Request(
            b.base + "/api/v1/sessions", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"username": "xuesheng", "password": f"wrong-{attempt}"}).encode(),
        )
        try:
            urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as error:
            b.expect(error.code == 401, f"a wrong password answers 401, got {error.code}")
    b.login("anquan")
    b.wait_url("/security", "the security administrator's home is 账户管理")
    b.wait_text("main h1", "账户管理")
    nav = [e.text for e in b.find("header nav a")]
    b.expect(nav == ["账户管理"], f"the menu holds the duty only, got {nav}")
    b.wait_text("main table", "xuesheng", "the locked learner in the list")
    b.passed_step("locked-accounts", phone=True)
    b.click_and_load(b.button("解锁", "main table"))
    b.wait_text("body", "已解锁 xuesheng", "the unlock notice")
    b.expect(not b.find("main table"), "no locked account left")
    b.type("main form[action='/security/role'] input[name=username]", "li.laoshi")
    Select(b.driver.find_element(By.CSS_SELECTOR, "main select[name=role]")).select_by_value("reviewer")
    b.click_and_load(b.button("修改角色", "main"))
    b.wait_text("body", "li.laoshi 的角色已改为审核员", "the role-change notice")
    b.passed_step("role-changed")
    b.type("main form[action='/security/password'] input[name=username]", "li.laoshi")
    b.click_and_load(b.button("设置临时密码", "main"))
    temporary = b.wait_visible("main .notice code.secret", "the temporary password, shown once").text
    b.passed_step("temporary-password")
    b.go("/search?q=焊接")
    b.wait_url("/security", "a page outside the duty leads back to 账户管理")
    b.logout()
    # The teacher logs in with it and must choose a password of their own before anything else.
    b.login("li.laoshi", password=temporary)
    b.wait_url("/account", "a temporary password leads to 账户安全")
    b.wait_text("main #password", "请先修改密码")
    b.type("main #password input[name=currentPassword]", temporary)
    b.type("main #password input[name=newPassword]", "Li-chose-this-2026")
    b.type("main #password input[name=newPasswordAgain]", "Li-chose-this-2026")
    b.passed_step("must-change-password", phone=True)
    b.click_and_load(b.button("修改密码", "main #password"))
    b.wait_text("body", "密码已修改", "the password-changed notice")
    b.go("/search?q=焊接")
    b.wait_url("/search", "the account is free again")
    b.logout()


def role_auditor(b: Browser) -> None:
    """The audit administrator reads the trail (the failures, the lock-out and the unlock above), filters it and
    exports it; its menu holds its duty only."""
    b.login("shenji")
    b.wait_url("/audit", "the auditor's home is 审计记录")
    b.wait_text("main h1", "审计记录")
    nav = [e.text for e in b.find("header nav a")]
    b.expect(nav == ["审计记录"], f"the menu holds the duty only, got {nav}")
    Select(b.driver.find_element(By.CSS_SELECTOR, "main select[name=action]")).select_by_value("user.")
    b.click_and_load(b.button("查询", "main form"))
    b.wait_text("main table", "账户锁定", "the lock-out in the trail")
    b.wait_text("main table", "账户解锁", "the unlock in the trail")
    b.wait_text("main table", "角色变更", "the role change in the trail")
    csv = b.driver.find_element(By.LINK_TEXT, "导出 CSV").get_attribute("href")
    b.expect("format=csv" in csv and "action=user." in csv, f"the export keeps the filter, got {csv}")
    b.passed_step("audit-trail", phone=True)
    b.logout()


ROLES: list[tuple[str, Callable[[Browser], None]]] = [
    ("learner", role_learner),
    ("teacher", role_teacher),
    ("reviewer", role_reviewer),
    ("admin", role_admin),
    ("learner2", role_learner_again),
    ("teacher-offering", role_teacher_offering),
    ("learner-study", role_learner_study),
    ("admin-analytics", role_admin_analytics),
    ("teacher-2fa", role_teacher_two_factor),
    ("security", role_security),
    ("auditor", role_auditor),
]


# ------------------------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=".build/debug/granary")
    parser.add_argument("--metadata", default="Metadata")
    parser.add_argument("--out", default="/tmp/granary-browser", help="folder for the screenshots")
    parser.add_argument("--viewport-only", action="store_true", help="screenshots of the visible window, not the whole page")
    parser.add_argument("--verbose", action="store_true", help="also print the console errors steps expected")
    parser.add_argument("--only", help="comma-separated role names to run (later roles may need earlier ones)")
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()

    started = time.monotonic()
    server = Server(args.binary, args.metadata)
    browser: Browser | None = None
    failure: str | None = None
    scratch = tempfile.mkdtemp(prefix="granary-browser-files-")
    try:
        server.start()
        print(f"granary serve --demo on {server.base}", flush=True)
        browser = Browser(server.base, out, full_page=not args.viewport_only)
        browser.shared["tmp"] = scratch
        browser.verbose = args.verbose
        chosen = set(args.only.split(",")) if args.only else None
        for name, run in ROLES:
            if chosen and name not in chosen:
                continue
            browser.role = name
            try:
                run(browser)
            except (StepFailed, WebDriverException, AssertionError) as error:
                url = browser.driver.current_url
                failure = f"{name}: expected {error}" if isinstance(error, StepFailed) else f"{name}: {type(error).__name__}: {error}"
                path = out / f"FAILED-{name}-{browser.step + 1:02d}.png"
                try:
                    browser.capture(path)
                    browser.shots.append(path)
                except WebDriverException:
                    pass
                print(f"FAIL {failure}\n     page: {url}\n     screenshot: {path}", file=sys.stderr)
                if not isinstance(error, StepFailed):
                    traceback.print_exc()
                break
    except KeyboardInterrupt:
        failure = "interrupted"
    finally:
        if browser:
            browser.quit()
        if failure:
            print("server log (tail):\n" + server.log_tail(15), file=sys.stderr)
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    passed = len(browser.passed) if browser else 0
    shots = len(browser.shots) if browser else 0
    elapsed = time.monotonic() - started
    verdict = "FAILED" if failure else "passed"
    print(f"browser tests {verdict}: {passed} steps passed, {shots} screenshots in {out}, {elapsed:.0f} s")
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main())
