/* The agents' workspace: the queue, one case's facts and actions, and its live chat.
 * Everything comes from the agent API (/dashboard/api/, docs/agent-api.md) on this origin,
 * with the session cookie and the CSRF token the page carries. Text is only ever set with
 * textContent: nothing a buyer wrote becomes markup. */
(function () {
  "use strict";

  var root = document.getElementById("workspace");
  if (!root) {
    return;
  }
  var CSRF = root.getAttribute("data-csrf");
  var ME = root.getAttribute("data-me");
  var LEAD = root.getAttribute("data-role") === "lead";
  var CHAT_POLL_MS = 1000;
  var QUEUE_POLL_MS = 3000;
  var SENDER_ZH = { buyer: "买家", bot: "机器人客服", system: "系统", agent: "人工客服" };

  var current = null; // {id, version, status, agent}
  var lastMessage = 0;
  var busy = false;

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    if (cls) {
      node.className = cls;
    }
    return node;
  }

  function notice(text, ok) {
    var box = $("ws-notice");
    box.textContent = text || "";
    box.hidden = !text;
    box.className = ok ? "notice ok" : "notice";
  }

  function api(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (method === "POST") {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = CSRF;
      options.body = JSON.stringify(body || {});
    }
    return fetch("/dashboard/api" + path, options).then(function (response) {
      return response.json().then(
        function (data) {
          return { ok: response.ok, status: response.status, data: data };
        },
        function () {
          return { ok: false, status: response.status, data: { error: "服务暂时不可用，请稍后再试。" } };
        }
      );
    });
  }

  function act(path, body, done) {
    if (busy) {
      return;
    }
    busy = true;
    api("POST", path, body).then(function (result) {
      busy = false;
      if (!result.ok) {
        notice(result.data.error || "操作失败。");
      } else {
        notice(done || "", true);
      }
      refreshQueue();
      if (current) {
        openCase(current.id);
      }
    }, function () {
      busy = false;
      notice("网络异常，请稍后再试。");
    });
  }

  /* ------------------------------------------------------------------ queue */

  function refreshQueue() {
    api("GET", "/queue").then(function (result) {
      var list = $("queue-list");
      if (!result.ok) {
        list.textContent = result.data.error || "队列加载失败。";
        return;
      }
      list.textContent = "";
      list.className = "";
      var items = result.data.items;
      if (!items.length) {
        list.appendChild(el("p", "队列为空。", "muted"));
      }
      items.forEach(function (item) {
        var row = el("div", null, "ws-item" + (item.over_target ? " late" : ""));
        row.setAttribute("data-case", item.case_id);
        row.appendChild(el("strong", "案件 " + item.case_id + " · " + item.category_zh));
        row.appendChild(el("span", " " + item.status_zh + (item.agent ? "（" + item.agent + "）" : "")));
        row.appendChild(el("span", " 等待 " + item.waited_minutes + " 分钟 / 目标 " + item.target_minutes + " 分钟",
          "muted"));
        if (item.reason_zh) { row.appendChild(el("div", item.reason_zh, "muted ws-reason")); }
        var open = el("button", item.kind === "call" ? "查看外呼" : "打开");
        open.type = "button";
        open.className = "open-case";
        open.addEventListener("click", function () {
          openCase(item.case_id);
        });
        row.appendChild(open);
        list.appendChild(row);
      });
    });
    if (LEAD) {
      refreshApprovals();
    }
  }

  function refreshApprovals() {
    api("GET", "/approvals").then(function (result) {
      var list = $("approval-list");
      if (!list || !result.ok) {
        return;
      }
      list.textContent = "";
      list.className = "";
      if (!result.data.approvals.length) {
        list.appendChild(el("p", "没有待审批的赔付。", "muted"));
      }
      result.data.approvals.forEach(function (a) {
        var row = el("div", null, "ws-item");
        row.setAttribute("data-approval", a.id);
        row.appendChild(el("strong", "审批 " + a.id + " · 案件 " + a.case_id + " · " + a.amount_yuan + " 元 · " + (a.rule_title || a.rule)));
        row.appendChild(el("span", " " + a.reasons_zh.join("、"), "muted"));
        var reason = el("input");
        reason.placeholder = "审批理由";
        reason.className = "approval-reason";
        row.appendChild(reason);
        [["approve", "批准"], ["reject", "驳回"]].forEach(function (pair) {
          var button = el("button", pair[1]);
          button.type = "button";
          button.className = pair[0];
          button.addEventListener("click", function () {
            act("/approvals/" + a.id + "/" + pair[0], { reason: reason.value }, "审批已提交。");
          });
          row.appendChild(button);
        });
        list.appendChild(row);
      });
    });
  }

  /* ------------------------------------------------------------------ one case */

  function fact(list, name, value) {
    list.appendChild(el("dt", name));
    list.appendChild(el("dd", value === null || value === undefined || value === "" ? "—" : value));
  }

  function openCase(caseId) {
    api("GET", "/cases/" + caseId).then(function (result) {
      if (!result.ok) {
        notice(result.data.error || "案件加载失败。");
        return;
      }
      var report = result.data;
      var changed = !current || current.id !== report.case.id;
      current = { id: report.case.id, version: report.case.version, status: report.case.status,
                  statusZh: report.case.status_zh, agent: report.case.agent };
      $("case").hidden = false;
      $("case-title").textContent = "案件 " + current.id + " · " + report.diagnosis.category_zh;
      var facts = $("case-facts");
      facts.textContent = "";
      var item = report.order.items[0] || {};
      fact(facts, "状态", current.statusZh + (current.agent ? "（" + current.agent + " 处理中）" : ""));
      fact(facts, "订单", report.order.id + " · " + (item.title || "") + " · " + report.order.total_yuan + " 元");
      fact(facts, "店铺", report.order.shop + (report.order.trust_badge ? "（信任购）" : ""));
      fact(facts, "问题", report.diagnosis.category_zh + " · 严重度 " + report.diagnosis.severity);
      fact(facts, "转人工原因", report.case.handover_reason_zh || report.case.handover_reason);
      var mine = current.agent === ME;
      $("claim").hidden = current.status !== "handed_over" && !(LEAD && current.status === "claimed" && !mine);
      $("release").hidden = current.status !== "claimed";
      $("hand-back").hidden = !mine || current.status !== "claimed";
      $("close").hidden = !mine || current.status !== "claimed";
      $("outcome").hidden = $("close").hidden;
      renderOffers(report.offers, mine && current.status === "claimed");
      if (changed) {
        $("chat").textContent = "";
        lastMessage = 0;
      }
      pollChat();
    });
  }

  function renderOffers(offers, mine) {
    var box = $("offers");
    box.textContent = "";
    if (!offers.length) {
      box.appendChild(el("p", "规则不允许自动方案（需人工判断）。", "muted"));
    }
    offers.forEach(function (offer) {
      var row = el("div", null, "ws-offer");
      row.setAttribute("data-rule", offer.rule);
      row.appendChild(el("strong", (offer.rule_title || offer.rule) + " · " + offer.amount_yuan + " 元" +
        (offer.needs_approval ? "（需主管审批）" : "")));
      row.appendChild(el("p", offer.say, "muted"));
      if (mine) {
        var propose = el("button", "向买家提出");
        propose.type = "button";
        propose.className = "propose";
        propose.addEventListener("click", function () {
          act("/cases/" + current.id + "/offer", { rule: offer.rule, version: current.version }, "方案已发送给买家。");
        });
        var settle = el("button", offer.needs_approval ? "提交主管审批" : "执行方案");
        settle.type = "button";
        settle.className = "settle";
        settle.addEventListener("click", function () {
          act("/cases/" + current.id + "/settle", { rule: offer.rule, version: current.version }, "已执行，机器人将请买家评价。");
        });
        row.appendChild(propose);
        row.appendChild(settle);
      }
      box.appendChild(row);
    });
  }

  function pollChat() {
    if (!current) {
      return;
    }
    var caseId = current.id;
    api("GET", "/cases/" + caseId + "/messages?after=" + lastMessage).then(function (result) {
      if (!result.ok || !current || current.id !== caseId) {
        return;
      }
      var chat = $("chat");
      result.data.messages.forEach(function (m) {
        if (m.id <= lastMessage) {
          return;
        }
        lastMessage = m.id;
        var line = el("div", null, "ws-msg " + m.sender);
        line.setAttribute("data-id", m.id);
        var who = SENDER_ZH[m.sender] || m.sender;
        if (m.sender === "agent" && m.author) {
          who += " · " + m.author;
        }
        line.appendChild(el("span", who, "who"));
        line.appendChild(el("span", m.text, "text"));
        chat.appendChild(line);
        chat.scrollTop = chat.scrollHeight;
      });
      if (result.data.version !== current.version) {
        openCase(caseId); // the case moved on (the buyer rated, a lead decided): show what it is now
      }
    });
  }

  /* ------------------------------------------------------------------ wiring */

  $("claim").addEventListener("click", function () {
    act("/cases/" + current.id + "/claim", { version: current.version }, "已接手。");
  });
  $("release").addEventListener("click", function () {
    act("/cases/" + current.id + "/release", { version: current.version }, "已释放回队列。");
  });
  $("hand-back").addEventListener("click", function () {
    act("/cases/" + current.id + "/hand-back", { version: current.version }, "已交还机器人，买家将收到评价邀请。");
  });
  $("close").addEventListener("click", function () {
    act("/cases/" + current.id + "/close", { outcome: $("outcome").value, version: current.version }, "已结案。");
  });
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) {
      return;
    }
    var text = $("reply").value;
    api("POST", "/cases/" + current.id + "/reply", { text: text, version: current.version }).then(function (result) {
      if (!result.ok) {
        notice(result.data.error || "发送失败。");
        return;
      }
      notice("");
      $("reply").value = "";
      pollChat();
    });
  });

  refreshQueue();
  window.setInterval(refreshQueue, QUEUE_POLL_MS);
  window.setInterval(pollChat, CHAT_POLL_MS);
})();
