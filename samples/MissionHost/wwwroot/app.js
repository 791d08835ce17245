"use strict";

const fmt = new Intl.NumberFormat("en-US");

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

// Long agent names are shown shortened; the full name is the cell's tooltip.
const NAME_LENGTH = 32;
function shortName(name) {
  const chars = Array.from(name);
  return chars.length <= NAME_LENGTH ? name : chars.slice(0, NAME_LENGTH - 1).join("") + "…";
}

function fillTable(id, rows) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren(...rows.map(cells => {
    const tr = document.createElement("tr");
    for (const [text, numeric, full] of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      if (full && full !== text) td.title = full;
      if (numeric) td.className = "num";
      tr.append(td);
    }
    return tr;
  }));
}

async function loadBreakdown() {
  const breakdown = await getJson("/api/analytics/agent-costs");
  document.getElementById("missions").textContent = fmt.format(breakdown.missions);
  const skipped = breakdown.malformedMissions && breakdown.malformedMissions.count;
  document.getElementById("malformed").textContent = skipped
    ? `${fmt.format(skipped)} mission(s) with malformed agentCosts left out (ids ${breakdown.malformedMissions.ids.join(", ")})`
    : "";
  fillTable("breakdown", breakdown.agents.map(a => [
    [shortName(a.agent), false, a.agent], [fmt.format(a.missions), true], [fmt.format(a.tokens), true], [fmt.format(a.cost), true],
    [a.averageCost.toFixed(1), true], [(a.duration / 1000).toFixed(1), true], [(a.costShare * 100).toFixed(1) + " %", true],
  ]));
}

async function loadVault() {
  const [status, history] = await Promise.all([getJson("/api/vault/status"), getJson("/api/vault/history")]);
  document.getElementById("active").textContent = "v" + status.activeVersion;
  document.getElementById("next-rotation").textContent = status.nextRotationAt ?? "off";
  fillTable("inventory", status.keys.map(k => [
    ["v" + k.version], [k.state], [fmt.format(k.ciphertexts), true], [fmt.format(k.ageDays), true],
    [fmt.format(k.uses) + " / " + fmt.format(status.maxDataKeysPerVersion), true], [k.retirementBlockedBy ?? ""],
  ]));
  fillTable("history", history.map(h => [["v" + h.version], [h.rotatedAt], [h.rotatedBy]]));
  return status;
}

function showProgress(reencryption, ranges) {
  const box = document.getElementById("progress");
  box.hidden = false;
  const bar = document.getElementById("progress-bar");
  // Shared by several hosts (PostgreSQL): the run's key ranges say how far all of them are.
  bar.max = Math.max(1, ranges ? ranges.total : reencryption.total);
  bar.value = ranges ? ranges.done : reencryption.scanned;
  const shared = ranges
    ? `: key ranges ${fmt.format(ranges.done)} / ${fmt.format(ranges.total)} done, ${fmt.format(ranges.rewrapped)} re-encrypted; `
      + (ranges.hosts.length ? `hosts at work: ${ranges.hosts.join(", ")}` : "no host holds a range")
    : null;
  document.getElementById("progress-text").textContent = reencryption.running
    ? `Re-encrypting to v${reencryption.targetVersion}` + (shared ?? `: ${fmt.format(reencryption.scanned)} / ${fmt.format(reencryption.total)}`)
    : reencryption.pending
      ? `Re-encryption to v${reencryption.targetVersion} ` + (reencryption.runningElsewhere ? "running on another host" : "pending")
        + (reencryption.error ? ` (attempt ${reencryption.attempts} failed: ${reencryption.error}; retrying)` : "")
      : `Re-encryption to v${reencryption.targetVersion} done: ${fmt.format(reencryption.rewrapped)} re-encrypted, ${fmt.format(reencryption.failed)} failed`;
}

async function waitForReencryption() {
  for (;;) {
    const status = await loadVault();
    showProgress(status.reencryption, status.ranges);
    if (!status.reencryption.running && !status.reencryption.pending) return status.reencryption;
    await new Promise(resolve => setTimeout(resolve, 400));
  }
}

document.getElementById("rotate-form").addEventListener("submit", async event => {
  event.preventDefault();
  const button = document.getElementById("rotate");
  const message = document.getElementById("message");
  button.disabled = true;
  message.className = "";
  message.textContent = "Rotating…";
  try {
    const response = await fetch("/api/vault/rotate", {
      method: "POST",
      headers: { Authorization: "Bearer " + document.getElementById("token").value },
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || body.title || response.statusText);
    message.textContent = `Rotated to v${body.version} by ${body.rotatedBy}; re-encryption ${body.reencryption}…`;
    const done = await waitForReencryption();
    message.className = done.error ? "error" : "ok";
    message.textContent = done.error ? `Re-encryption failed: ${done.error}` : `Done: every secret is under v${done.targetVersion}.`;
  } catch (error) {
    message.className = "error";
    message.textContent = error.message;
  } finally {
    button.disabled = false;
  }
});

Promise.all([loadBreakdown(), loadVault().then(status => {
  if (status.reencryption.running || status.reencryption.pending) waitForReencryption();
})]).catch(error => {
  const message = document.getElementById("message");
  message.className = "error";
  message.textContent = error.message;
});
