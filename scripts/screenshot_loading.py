"""Screenshot of the chat while the index loads: docs/screenshot-loading.png.

Starts `python app.py` on a fresh home (/tmp/uiload), asks a table question as soon as the page
is up, and captures the header saying 索引准备中… while the answer is already there. Needs
chromium, chromium-driver and selenium (as tests/test_app_e2e.py). Run from the repository root.
"""
import os, sys, time, subprocess, socket
sys.path.insert(0, "tests"); sys.path.insert(0, ".")
from test_app_e2e import CHROMIUM, CHROMEDRIVER
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
import shutil; shutil.rmtree("/tmp/uiload", ignore_errors=True)
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
p = subprocess.Popen([sys.executable, "app.py", "--home", "/tmp/uiload", "--port", str(port)], stdout=open("/tmp/uiload.log", "w"), stderr=subprocess.STDOUT)
opts = webdriver.ChromeOptions(); opts.binary_location = CHROMIUM
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,1100", "--lang=zh-CN"):
    opts.add_argument(a)
d = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
try:
    t0 = time.time()
    while True:
        try:
            d.get(f"http://127.0.0.1:{port}/"); break
        except Exception:
            time.sleep(0.5)
    while not d.find_elements(By.CSS_SELECTOR, "#gk-question textarea"):
        time.sleep(0.3)
    box = d.find_element(By.CSS_SELECTOR, "#gk-question textarea")
    box.send_keys("泰安市行政审批服务局2024年不予公开的申请有多少件？")
    d.find_element(By.CSS_SELECTOR, "#gk-send").click()
    while not d.find_elements(By.CSS_SELECTOR, "#gk-chat .gk-value"):
        time.sleep(0.3)
    time.sleep(1.5)
    chip = d.find_element(By.CSS_SELECTOR, "#gk-ready")
    print("state", chip.get_attribute("data-state"), chip.text, round(time.time() - t0, 1))
    d.save_screenshot("docs/screenshot-loading.png")
finally:
    d.quit(); p.terminate(); p.wait(10)
