// Buyer chat page: history over HTTP, new messages over WebSocket (polling as a fallback).
// Message text is only ever inserted with textContent.
(function () {
  "use strict";

  var PAGE = 200;
  var POLL_MS = 3000;
  var RETRY_MIN_MS = 1000;
  var RETRY_MAX_MS = 30000;
  var TIME_GAP_MS = 5 * 60 * 1000;
  var TOKEN_KEY = "outreach-buyer-token";
  var SENDERS = { bot: true, buyer: true, system: true, agent: true };

  var TEXT = {
    missingToken: "缺少登录信息，请从应用内重新打开客服页面。",
    badToken: "登录已失效，请重新打开应用。",
    empty: "没有收到文字内容，请告诉我们您遇到的问题。",
    sendFailed: "发送失败，请检查网络后重试。",
    loadFailed: "聊天记录加载失败，正在重试…",
    unavailable: "服务暂时不可用，请稍后再试",
    welcome: "您好，有什么可以帮您？请在下方输入。",
    connecting: "连接中…",
    botName: "客服",
    agentName: "人工"
  };

  var els = {
    messages: document.getElementById("messages"),
    empty: document.getElementById("empty"),
    notice: document.getElementById("notice"),
    status: document.getElementById("status"),
    form: document.getElementById("composer"),
    input: document.getElementById("input"),
    send: document.getElementById("send")
  };

  var token = readToken();
  var seen = {};
  var items = []; // {id, time, el}, ordered by id
  var pending = []; // {text, el}
  var lastId = 0;
  var stopped = false;
  var socket = null;
  var retryDelay = RETRY_MIN_MS;
  var retryTimer = null;
  var pollTimer = null;
  var polling = false;

  // ------------------------------------------------------------------ token

  function readToken() {
    var params = new URLSearchParams(window.location.search);
    var fromUrl = params.get("token");
    if (fromUrl) {
      try {
        window.sessionStorage.setItem(TOKEN_KEY, fromUrl);
        // Keep the token out of the address bar, screenshots and shared links.
        params.delete("token");
        var rest = params.toString();
        window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
      } catch (e) {
        // Storage may be disabled; the token still works for this page view.
      }
      return fromUrl;
    }
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) || "";
    } catch (e) {
      return "";
    }
  }

  function forgetToken() {
    try {
      window.sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      // nothing stored
    }
  }

  // ------------------------------------------------------------------ notices

  function showNotice(text, isError) {
    els.notice.textContent = text;
    els.notice.className = isError ? "notice error" : "notice";
    els.notice.hidden = false;
  }

  function hideNotice() {
    els.notice.hidden = true;
    els.notice.textContent = "";
  }

  function setStatus(text) {
    els.status.textContent = text;
  }

  function stopAll(message) {
    stopped = true;
    forgetToken();
    stopPolling();
    if (retryTimer) {
      clearTimeout(retryTimer);
      retryTimer = null;
    }
    if (socket) {
      socket.onclose = null;
      socket.close();
      socket = null;
    }
    els.input.disabled = true;
    els.send.disabled = true;
    setStatus("");
    if (els.empty) {
      els.empty.textContent = "";
    }
    showNotice(message, true);
  }

  // ------------------------------------------------------------------ HTTP

  function ApiError(message, status) {
    this.message = message;
    this.status = status;
  }

  function api(path, method, body) {
    var headers = { Authorization: "Bearer " + token };
    var options = { method: method || "GET", headers: headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return window.fetch(path, options).then(
      function (response) {
        return response.json().then(
          function (data) {
            return { response: response, data: data };
          },
          function () {
            return { response: response, data: null };
          }
        );
      },
      function () {
        throw new ApiError(TEXT.sendFailed, 0);
      }
    ).then(function (result) {
      var status = result.response.status;
      var error = result.data && typeof result.data.error === "string" ? result.data.error : "";
      if (status === 401) {
        stopAll(error || TEXT.badToken);
        throw new ApiError(error || TEXT.badToken, 401);
      }
      if (!result.response.ok || !result.data) {
        throw new ApiError(error || TEXT.unavailable, status);
      }
      return result.data;
    });
  }

  function loadSince() {
    var before = lastId;
    return api("/api/messages?after=" + lastId + "&limit=" + PAGE).then(function (data) {
      var list = Array.isArray(data.messages) ? data.messages : [];
      addMessages(list);
      if (list.length >= PAGE && lastId > before && !stopped) {
        return loadSince();
      }
      return undefined;
    });
  }

  // ------------------------------------------------------------------ rendering

  function nearBottom() {
    var box = els.messages;
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  function scrollToBottom() {
    els.messages.scrollTop = els.messages.scrollHeight;
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function formatTime(date) {
    var now = new Date();
    var hm = pad(date.getHours()) + ":" + pad(date.getMinutes());
    if (date.toDateString() === now.toDateString()) {
      return hm;
    }
    var md = date.getMonth() + 1 + "月" + date.getDate() + "日 " + hm;
    return date.getFullYear() === now.getFullYear() ? md : date.getFullYear() + "年" + md;
  }

  function parseTime(value) {
    if (typeof value !== "string") {
      return null;
    }
    var date = new Date(value);
    return isNaN(date.getTime()) ? null : date;
  }

  function buildButtons(buttons) {
    var box = document.createElement("div");
    box.className = "buttons";
    buttons.forEach(function (button) {
      if (!button || typeof button.title !== "string" || typeof button.payload !== "string") {
        return;
      }
      var el = document.createElement("button");
      el.type = "button";
      el.textContent = button.title;
      el.addEventListener("click", function () {
        if (stopped) {
          return;
        }
        var all = box.querySelectorAll("button");
        Array.prototype.forEach.call(all, function (b) {
          b.disabled = true;
        });
        el.classList.add("chosen");
        send(button.title, button.payload).then(function (ok) {
          if (!ok) {
            el.classList.remove("chosen");
            Array.prototype.forEach.call(all, function (b) {
              b.disabled = false;
            });
          }
        });
      });
      box.appendChild(el);
    });
    return box;
  }

  function buildRow(sender, text, buttons, author) {
    var row = document.createElement("div");
    row.className = "row " + sender;
    if (sender === "bot" || sender === "agent") {
      var avatar = document.createElement("div");
      avatar.className = "avatar";
      avatar.textContent = sender === "agent" ? TEXT.agentName : TEXT.botName;
      avatar.setAttribute("aria-hidden", "true");
      row.appendChild(avatar);
    }
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    if (sender === "agent") {
      // A person wrote this: 人工客服 and their display name, as text (never HTML).
      var who = document.createElement("div");
      who.className = "author";
      who.textContent = "人工客服 · " + (typeof author === "string" ? author : "");
      bubble.appendChild(who);
    }
    var body = document.createElement("div");
    body.className = "text";
    body.textContent = text;
    bubble.appendChild(body);
    if (sender === "bot" && Array.isArray(buttons) && buttons.length) {
      bubble.appendChild(buildButtons(buttons));
    }
    row.appendChild(bubble);
    return row;
  }

  function removeEmptyHint() {
    if (els.empty && els.empty.parentNode) {
      els.empty.parentNode.removeChild(els.empty);
    }
    els.empty = null;
  }

  function dropPending(text) {
    for (var i = 0; i < pending.length; i++) {
      if (pending[i].text === text) {
        var el = pending[i].el;
        if (el.parentNode) {
          el.parentNode.removeChild(el);
        }
        pending.splice(i, 1);
        return;
      }
    }
  }

  function addMessage(message) {
    if (!message || typeof message.id !== "number" || seen[message.id]) {
      return false;
    }
    seen[message.id] = true;
    lastId = Math.max(lastId, message.id);
    var sender = SENDERS[message.sender] ? message.sender : "system";
    var text = typeof message.text === "string" ? message.text : "";
    if (sender === "buyer") {
      dropPending(text);
    }

    var index = items.length;
    while (index > 0 && items[index - 1].id > message.id) {
      index--;
    }
    var time = parseTime(message.created_at);
    var previous = index > 0 ? items[index - 1] : null;

    var item = document.createElement("div");
    item.className = "item";
    if (time && (!previous || !previous.time || time - previous.time > TIME_GAP_MS)) {
      var stamp = document.createElement("div");
      stamp.className = "time";
      stamp.textContent = formatTime(time);
      item.appendChild(stamp);
    }
    item.appendChild(buildRow(sender, text, message.buttons, message.author));

    var next = index < items.length ? items[index].el : firstPendingEl();
    els.messages.insertBefore(item, next);
    items.splice(index, 0, { id: message.id, time: time, el: item, sender: sender });
    return sender === "buyer";
  }

  // Only the buttons of the bot's latest turn answer the open question (the server reads any
  // other tap as text): older ones are disabled, so a buyer never taps a stale choice.
  function retireOldButtons() {
    var current = {};
    var inTurn = false;
    for (var i = items.length - 1; i >= 0; i--) {
      var who = items[i].sender;
      if (who === "bot") {
        inTurn = true;
        current[items[i].id] = true;
      } else if (inTurn && who !== "system") {
        break;
      }
    }
    items.forEach(function (entry) {
      if (current[entry.id]) {
        return;
      }
      Array.prototype.forEach.call(entry.el.querySelectorAll(".buttons button"), function (b) {
        b.disabled = true;
        b.classList.add("stale");
      });
    });
  }

  function firstPendingEl() {
    return pending.length ? pending[0].el : null;
  }

  function addMessages(list) {
    if (!Array.isArray(list) || !list.length) {
      return;
    }
    var stick = nearBottom();
    var sorted = list.slice().sort(function (a, b) {
      return (a && a.id) - (b && b.id);
    });
    sorted.forEach(function (message) {
      if (addMessage(message)) {
        stick = true;
      }
    });
    retireOldButtons();
    if (items.length) {
      removeEmptyHint();
    }
    if (stick) {
      scrollToBottom();
    }
  }

  function addPending(text) {
    removeEmptyHint();
    var item = document.createElement("div");
    item.className = "item";
    var row = buildRow("buyer", text, null);
    row.classList.add("pending");
    item.appendChild(row);
    els.messages.appendChild(item);
    pending.push({ text: text, el: item });
    scrollToBottom();
    return item;
  }

  function removePendingEl(el) {
    for (var i = 0; i < pending.length; i++) {
      if (pending[i].el === el) {
        pending.splice(i, 1);
        break;
      }
    }
    if (el.parentNode) {
      el.parentNode.removeChild(el);
    }
  }

  // ------------------------------------------------------------------ sending

  function send(text, payload) {
    if (stopped) {
      return Promise.resolve(false);
    }
    var body = { text: text };
    if (payload) {
      body.payload = payload;
    }
    var shown = addPending(text.trim() || payload || "");
    return api("/api/messages", "POST", body).then(
      function (data) {
        removePendingEl(shown);
        if (typeof data.notice === "string" && data.notice) {
          showNotice(data.notice, false);
        } else {
          hideNotice();
        }
        addMessages(data.messages);
        return true;
      },
      function (error) {
        removePendingEl(shown);
        if (error && error.status !== 401) {
          showNotice((error && error.message) || TEXT.sendFailed, true);
        }
        return false;
      }
    );
  }

  function submit() {
    var text = els.input.value;
    if (stopped) {
      return;
    }
    if (!text.trim()) {
      showNotice(TEXT.empty, false);
      return;
    }
    els.input.value = "";
    resizeInput();
    send(text).then(function (ok) {
      if (!ok && !stopped && !els.input.value) {
        els.input.value = text; // let the buyer try again without retyping
        resizeInput();
      }
    });
  }

  function resizeInput() {
    els.input.style.height = "auto";
    els.input.style.height = Math.min(els.input.scrollHeight + 2, 120) + "px";
  }

  els.form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit();
  });

  els.input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter is a new line; Enter while an IME is composing picks a word.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });

  els.input.addEventListener("input", resizeInput);

  // ------------------------------------------------------------------ live delivery

  function startPolling() {
    if (pollTimer || stopped) {
      return;
    }
    pollTimer = setInterval(poll, POLL_MS);
    poll();
  }

  function stopPolling() {
    if (pollTimer) {
      clearInterval(pollTimer);
      pollTimer = null;
    }
  }

  function poll() {
    if (polling || stopped) {
      return;
    }
    polling = true;
    loadSince().then(
      function () {
        polling = false;
        if (els.notice.textContent === TEXT.loadFailed) {
          hideNotice();
        }
      },
      function () {
        polling = false;
      }
    );
  }

  function scheduleReconnect() {
    if (stopped) {
      return;
    }
    if (retryTimer) {
      clearTimeout(retryTimer);
    }
    var delay = retryDelay + Math.floor(Math.random() * 500);
    retryTimer = setTimeout(function () {
      retryTimer = null;
      connect();
    }, delay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  function connect() {
    if (stopped || socket) {
      return;
    }
    if (!("WebSocket" in window)) {
      startPolling();
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + "/api/live?token=" + encodeURIComponent(token) + "&after=" + lastId;
    var ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      startPolling();
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = function () {
      retryDelay = RETRY_MIN_MS;
      stopPolling();
      setStatus("");
      if (els.notice.textContent === TEXT.loadFailed) {
        hideNotice();
      }
    };
    ws.onmessage = function (event) {
      var data;
      try {
        data = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (data && data.type === "message") {
        addMessages([data.message]);
      }
    };
    ws.onclose = function () {
      if (socket === ws) {
        socket = null;
      }
      if (stopped) {
        return;
      }
      setStatus(TEXT.connecting);
      startPolling(); // also finds out, via HTTP 401, when the token was rejected
      scheduleReconnect();
    };
  }

  function reconnectNow() {
    if (stopped || socket) {
      return;
    }
    retryDelay = RETRY_MIN_MS;
    if (retryTimer) {
      clearTimeout(retryTimer);
      retryTimer = null;
    }
    connect();
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      reconnectNow();
    }
  });
  window.addEventListener("online", reconnectNow);

  // ------------------------------------------------------------------ start

  function start() {
    if (!token) {
      stopAll(TEXT.missingToken);
      return;
    }
    loadSince().then(
      function () {
        hideNotice();
      },
      function (error) {
        if (error && error.status !== 401) {
          showNotice(TEXT.loadFailed, false);
        }
      }
    ).then(function () {
      if (stopped) {
        return;
      }
      if (els.empty && !items.length) {
        els.empty.textContent = TEXT.welcome;
      }
      els.input.disabled = false;
      els.send.disabled = false;
      connect();
    });
  }

  start();
})();
