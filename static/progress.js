/*
 * progress.js: refreshes each link card's progress bar, rate, time left,
 * counts, budgets and status every 2 s from /links/{id}/progress.json.
 * Without it the page shows the numbers as of its load; nothing here is
 * needed to use the console. Values go in with textContent only.
 */
(function () {
	"use strict";
	var PERIOD_MS = 2000;

	function set(card, field, value) {
		var el = card.querySelector('[data-field="' + field + '"]');
		if (el) el.textContent = String(value);
		return el;
	}

	function setPasses(card, passes) {
		var ul = card.querySelector('[data-field="passes"]');
		if (!ul) return;
		while (ul.firstChild) ul.removeChild(ul.firstChild);
		passes.forEach(function (p) {
			var li = document.createElement("li");
			var bar = document.createElement("progress");
			bar.max = 100;
			bar.value = p.percent;
			bar.setAttribute("aria-label", p.object + " pass");
			bar.textContent = p.percent + "%";
			li.appendChild(document.createTextNode(p.object + ": "));
			li.appendChild(bar);
			li.appendChild(document.createTextNode(" " + p.read +
				(p.total ? " of " + p.total : "") + " read from Xero"));
			ul.appendChild(li);
		});
	}

	function setMeter(card, field, b) {
		var m = card.querySelector('[data-field="' + field + '_meter"]');
		if (m) { m.max = b.max; m.value = b.used; }
		set(card, field + "_used", b.used_label);
	}

	function update(card, d) {
		var p = d.progress, bar = card.querySelector('[data-field="percent"]');
		if (bar) { bar.value = p.percent; bar.textContent = p.percent + "%"; }
		set(card, "percent_text", p.percent + "%");
		set(card, "phase", p.phase);
		set(card, "done", p.done);
		set(card, "total", p.total);
		set(card, "rate", p.rate);
		set(card, "eta", p.eta);
		set(card, "last_sync", d.last_sync);
		set(card, "status_label", d.status_label);
		var live = card.querySelector(".progress-live");
		if (live) live.hidden = !p.active;
		setPasses(card, p.passes || []);
		(d.objects || []).forEach(function (o) {
			["mirrored", "synced", "pending", "failed", "excluded"].forEach(function (k) {
				var td = card.querySelector('[data-count="' + o.object + "." + k + '"]');
				if (td) td.textContent = String(o[k]);
			});
		});
		if (d.budget) {
			setMeter(card, "xero", d.budget.xero);
			setMeter(card, "hubspot", d.budget.hubspot);
		}
		var warn = document.getElementById("no-worker");
		if (warn) warn.hidden = !!d.worker_alive;
	}

	function poll(card) {
		var url = card.getAttribute("data-progress");
		var xhr = new XMLHttpRequest();
		xhr.open("GET", url);
		xhr.setRequestHeader("Accept", "application/json");
		xhr.onload = function () {
			if (xhr.status === 200) {
				try { update(card, JSON.parse(xhr.responseText)); } catch (e) { /* keep the last numbers */ }
			}
			setTimeout(function () { poll(card); }, PERIOD_MS);
		};
		xhr.onerror = function () { setTimeout(function () { poll(card); }, PERIOD_MS); };
		xhr.send();
	}

	function start() {
		var cards = document.querySelectorAll(".link-card[data-progress]");
		Array.prototype.forEach.call(cards, function (card) {
			setTimeout(function () { poll(card); }, PERIOD_MS);
		});
	}

	if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
	else start();
})();
