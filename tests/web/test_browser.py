"""The review page in a real browser: Chromium (Playwright) against ``finrpa web``.

One server and one browser serve the whole module; each test seeds its own items (unique
invoice numbers and suppliers) and signs in within a fresh browser context.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finrpa.domain.items import ItemState
from tests.web.browser_support import (
    OUTPUT_DIR,
    REPO_ROOT,
    Site,
    axe_script,
    launch_browser,
    start_site,
)
from tests.web.conftest import FAST_HASHER, PASSWORD, USERS
from tests.web.seed import configure, seed_exception

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    for started in start_site(tmp_path_factory.mktemp("site")):
        started.accounts.hasher = FAST_HASHER
        for name, (role, language) in USERS.items():
            started.accounts.add_user(name, role, None if role == "robot" else PASSWORD,
                                      language=language, display_name=name.capitalize())
        configure(started.store)
        yield started


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


def sign_in(browser: Any, site: Site, name: str) -> Any:
    """A new page in a fresh context, signed in as ``name`` through the form."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{site.url}/queue")
    assert "/login" in page.url
    page.locator("#name").fill(name)
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(f"{site.url}/queue")
    return page


def open_item(page: Any, site: Site, item_id: int) -> None:
    page.goto(f"{site.url}/items/{item_id}")
    page.locator("h1").wait_for()


def screenshot(page: Any, name: str) -> Path:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUTPUT_DIR / name
    page.screenshot(path=str(path))
    if os.environ.get("FINRPA_DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(path, REPO_ROOT / "docs" / "img" / name)
    return path


def test_sign_in_filter_open_and_see_the_difference(browser: Any, site: Site) -> None:
    target = seed_exception(site.store, supplier="Kalustetukku Kivi Oy", amount="842.40",
                            number="INV-FILTER-1")
    seed_exception(site.store, supplier="Siivouspalvelu Sointu Oy", amount="310.00")
    seed_exception(site.store, supplier="Kalustetukku Kivi Oy", amount="99.00",
                   code="ORDER_NOT_FOUND", order="PO-9999")
    page = sign_in(browser, site, "riikka")
    page.locator("#f-supplier").fill("kalustetukku")
    page.locator("#f-reason").select_option("PRICE_VARIANCE")
    page.locator(f"tr[data-item='{target}']").wait_for()
    rows = page.locator("#results tbody tr[data-item]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#results tbody tr[data-item]')]"
        ".every(row => row.textContent.includes('Kalustetukku'))")
    assert rows.count() == 1 and "842,40" in rows.first.inner_text()
    assert "f-supplier" in page.content() and "supplier=kalustetukku" in page.url
    screenshot(page, "queue.png")
    page.get_by_role("link", name="INV-FILTER-1").click()
    page.wait_for_url(f"{site.url}/items/{target}")
    differing = page.locator("table.evidence tr.differs")
    assert differing.count() == 1
    text = differing.inner_text()
    assert "unit_price" in text and "differs" in text
    assert "12,50" in text and "11,90" in text and "0,60" in text and "0,25" in text
    assert page.locator("table.evidence tr:not(.differs)").count() >= 2
    assert "<InvoiceNumber>INV-FILTER-1</InvoiceNumber>" in page.locator("pre").inner_text()
    screenshot(page, "item.png")
    page.context.close()


def test_accept_and_the_item_leaves_the_queue(browser: Any, site: Site) -> None:
    item_id = seed_exception(site.store, supplier="Toimistotarvike Terä Oy", amount="120.00",
                             number="INV-ACCEPT-1")
    page = sign_in(browser, site, "riikka")
    page.locator("#f-q").fill("INV-ACCEPT-1")
    page.locator(f"tr[data-item='{item_id}']").wait_for()
    open_item(page, site, item_id)
    page.locator("#accept-note").fill("Price agreed by phone")
    page.locator("#accept-button").click()
    page.wait_for_url(f"{site.url}/queue?notice=accepted")
    assert "Accepted. The item left the queue." in page.locator(".notice").inner_text()
    page.locator("#f-q").fill("INV-ACCEPT-1")
    page.locator("#results td[colspan]").wait_for()
    assert page.locator(f"tr[data-item='{item_id}']").count() == 0
    assert site.store.get(item_id).state is ItemState.DONE
    page.context.close()


def test_reject_needs_a_reason(browser: Any, site: Site) -> None:
    item_id = seed_exception(site.store, supplier="Hylätty Hyllytys Oy", amount="75.00")
    page = sign_in(browser, site, "rasmus")
    open_item(page, site, item_id)
    reject = page.locator("form[action$='/reject'] button[type=submit]")
    reject.click()  # the required reason stops the browser from sending it
    assert page.url.endswith(f"/items/{item_id}")
    assert site.store.get(item_id).state is ItemState.NEEDS_REVIEW
    page.locator("#reject-reason").fill("Not our order: delivered to the wrong school")
    reject.click()
    page.wait_for_url(f"{site.url}/queue?notice=rejected")
    item = site.store.get(item_id)
    assert item.state is ItemState.REJECTED
    last = site.store.events(item_id)[-1]
    assert (last.action, last.actor) == ("reject", "rasmus")
    assert last.detail == {"note": "Not our order: delivered to the wrong school"}
    page.context.close()


def test_correct_the_order_number_and_the_item_is_requeued(browser: Any, site: Site) -> None:
    item_id = seed_exception(site.store, supplier="Tilaton Tukku Oy", amount="640.00",
                             code="ORDER_NOT_FOUND", order="PO-0099", number="INV-CORRECT-1")
    page = sign_in(browser, site, "riikka")
    open_item(page, site, item_id)
    field = page.get_by_label("Order number")
    assert field.input_value() == "PO-0099"
    field.fill("12345")  # not an order number the robot's model accepts
    page.get_by_role("button", name="Send back to the robot").click()
    page.locator(".alert").wait_for()
    assert "not valid" in page.locator(".alert").inner_text()
    assert page.locator(".field-error").count() == 1
    assert site.store.get(item_id).state is ItemState.NEEDS_REVIEW
    page.get_by_label("Order number").fill("PO-2002")
    page.get_by_role("button", name="Send back to the robot").click()
    page.wait_for_url(f"{site.url}/items/{item_id}?notice=requeued")
    item = site.store.get(item_id)
    assert item.state is ItemState.PENDING
    assert item.payload["invoice"]["order_reference"] == "PO-2002"
    assert item.payload["invoice"]["invoice_number"] == "INV-CORRECT-1"
    requeue = [event for event in site.store.events(item_id) if event.action == "requeue"]
    assert requeue and requeue[0].actor == "riikka" and requeue[0].detail["changes"]
    page.context.close()


def test_four_eyes_takes_two_people(browser: Any, site: Site) -> None:
    item_id = seed_exception(site.store, supplier="Iso Investointi Oy", amount="25000.00")
    first = sign_in(browser, site, "riikka")
    open_item(first, site, item_id)
    assert "four-eyes limit" in first.locator(".four-eyes").inner_text()
    first.get_by_role("button", name="Approve (1st of 2)").click()
    first.wait_for_url(f"{site.url}/items/{item_id}?notice=first_approval")
    assert "First approval by riikka" in first.locator(".four-eyes").inner_text()
    assert site.store.get(item_id).state is ItemState.NEEDS_REVIEW
    first.get_by_role("button", name="Approve and accept (2nd of 2)").click()
    assert "the second must come from someone else" in first.locator(".alert").inner_text()
    second = sign_in(browser, site, "aino")
    open_item(second, site, item_id)
    second.get_by_role("button", name="Approve and accept (2nd of 2)").click()
    second.wait_for_url(f"{site.url}/queue?notice=accepted")
    assert site.store.get(item_id).state is ItemState.DONE
    actions = [(event.action, event.actor) for event in site.store.events(item_id)]
    assert ("first_approval", "riikka") in actions and ("accept", "aino") in actions
    assert ("second_approval", "aino") in actions
    first.context.close()
    second.context.close()


def test_a_reviewer_is_refused_where_an_approver_is_needed(browser: Any, site: Site) -> None:
    item_id = seed_exception(site.store, supplier="Suuri Summa Oy", amount="48000.00")
    approver = sign_in(browser, site, "antti")
    open_item(approver, site, item_id)
    approver.get_by_role("button", name="Approve (1st of 2)").click()
    approver.wait_for_url(f"{site.url}/items/{item_id}?notice=first_approval")
    reviewer = sign_in(browser, site, "rasmus")
    open_item(reviewer, site, item_id)
    response_status: list[int] = []
    reviewer.on("response", lambda response: response_status.append(response.status)
                if response.url.endswith(f"/items/{item_id}/accept") else None)
    reviewer.get_by_role("button", name="Approve and accept (2nd of 2)").click()
    reviewer.locator(".alert").wait_for()
    assert "needs the approver role" in reviewer.locator(".alert").inner_text()
    assert response_status == [403]
    assert site.store.get(item_id).state is ItemState.NEEDS_REVIEW
    approver.context.close()
    reviewer.context.close()


def test_swedish_user_sees_swedish(browser: Any, site: Site) -> None:
    item_id = seed_exception(site.store, supplier="Åbo Papper Ab", amount="1234.50")
    page = sign_in(browser, site, "sven")
    assert page.locator("h1").inner_text() == "Undantagskö"
    open_item(page, site, item_id)
    assert "Godkänn" in page.locator("#accept-button").inner_text()
    assert "1\u00a0234,50\u00a0€" in page.locator(".facts").inner_text()
    page.context.close()


def test_queue_and_item_pages_have_no_serious_accessibility_violations(
        browser: Any, site: Site) -> None:
    script = axe_script()
    item_id = seed_exception(site.store, supplier="Saavutettava Oy", amount="15000.00")
    context = browser.new_context(bypass_csp=True)  # to inject axe; the app's CSP forbids it
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{site.url}/login")
    page.locator("#name").fill("riikka")
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(f"{site.url}/queue")
    problems = {}
    for url in (f"{site.url}/queue", f"{site.url}/items/{item_id}", f"{site.url}/login"):
        page.goto(url)
        page.add_script_tag(content=script)
        result = page.evaluate("async () => await axe.run(document, "
                               "{resultTypes: ['violations']})")
        serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                   for v in result["violations"] if v["impact"] in ("critical", "serious")]
        problems[url] = serious
        assert result["passes"], "axe ran no checks"
    assert problems == {url: [] for url in problems}
    context.close()


def test_ops_opens_a_runs_log_and_its_scripts_are_sandboxed(browser: Any, site: Site) -> None:
    from finrpa.runs.records import RunOutcome, RunStatus
    from finrpa.runs.store import RunStore
    from tests.runs.conftest import schedule_from

    home = site.log.parent  # the server's FINRPA_HOME
    store = RunStore(site.store.engine, create_schema=False)
    schedule = schedule_from(home, "browser_closing", 'robot = "steady_robot"\n[trigger]\n'
                             'type = "cron"\nexpression = "30 3 * * *"\n')
    run = store.trigger(schedule, "olli")
    assert store.claim("worker-b", 60) is not None
    step = home / "runs" / str(run.id) / "logs" / "main"
    step.mkdir(parents=True)
    (step / "log.html").write_text(
        "<!doctype html><title>log</title><p id=out>not run</p><script>"
        "let c; try { c = 'readable:' + document.cookie } catch (e) { c = 'blocked' }"
        "document.getElementById('out').textContent = 'ran ' + c</script>", encoding="utf-8")
    store.finish(run.id, "worker-b", RunOutcome(RunStatus.SUCCEEDED, 0, None, str(step.parents[1])))
    page = sign_in(browser, site, "olli")
    page.get_by_role("link", name="Runs").click()
    page.wait_for_url(f"{site.url}/runs")
    page.locator(f"tr[data-run='{run.id}'] a", has_text=str(run.id)).click()
    page.wait_for_url(f"{site.url}/runs/{run.id}")
    assert "succeeded" in page.locator(".facts").inner_text()
    page.goto(f"{site.url}/runs/{run.id}/log/main")
    # the log's own script runs, in an opaque origin: the app's cookies are out of its reach
    assert page.locator("#out").inner_text() == "ran blocked"
    page.context.close()
