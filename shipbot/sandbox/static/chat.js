"use strict";

// The sandbox chat page: a test user talks to the bot through the emulator's control API,
// and the transcript follows every change (new messages, edits, deletions) by long polling.

const API = "/sandbox/api";
const STORED_USER_KEY = "shipbot-sandbox-user";
const SAFE_PROTOCOLS = new Set(["http:", "https:", "tg:", "mailto:"]);

const ui = {
  userSelect: document.getElementById("user-select"),
  newUserForm: document.getElementById("new-user-form"),
  newUserName: document.getElementById("new-user-name"),
  newUserLang: document.getElementById("new-user-lang"),
  emptyState: document.getElementById("empty-state"),
  transcript: document.getElementById("transcript"),
  replyKeyboard: document.getElementById("reply-keyboard"),
  composer: document.getElementById("composer"),
  input: document.getElementById("message-input"),
  send: document.getElementById("send"),
  toast: document.getElementById("toast"),
  toastText: document.getElementById("toast-text"),
  toastClose: document.getElementById("toast-close"),
};
const placeholderOption = ui.userSelect.options[0];

const state = {
  userId: null,
  version: 0,
  poll: null, // AbortController of the running long poll
  seenAnswers: null, // callback answers already shown; null until the first transcript
  toastTimer: null,
};

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function request(path, body) {
  const init = body === undefined
    ? {}
    : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(API + path, init);
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof payload.detail === "string" ? payload.detail : response.statusText;
    throw new Error(detail);
  }
  return payload;
}

function showToast(text, sticky = false) {
  clearTimeout(state.toastTimer);
  ui.toastText.textContent = text;
  ui.toast.hidden = false;
  if (!sticky) state.toastTimer = setTimeout(() => { ui.toast.hidden = true; }, 4000);
}

// -- users --------------------------------------------------------------------------------------

function userLabel(user) {
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
  return `${name} (${user.language_code || "?"}) · ${user.id}`;
}

async function loadUsers(preferredId = state.userId) {
  const users = await request("/users");
  const options = users.map((user) => {
    const option = element("option", "", userLabel(user));
    option.value = String(user.id);
    return option;
  });
  ui.userSelect.replaceChildren(placeholderOption, ...options);
  const wanted = users.some((user) => user.id === preferredId) ? preferredId : null;
  ui.userSelect.value = wanted === null ? "" : String(wanted);
  if (wanted !== state.userId) selectUser(wanted);
}

function selectUser(userId) {
  if (state.poll) state.poll.abort();
  state.poll = null;
  state.userId = userId;
  state.version = 0;
  state.seenAnswers = null;
  localStorage.setItem(STORED_USER_KEY, userId === null ? "" : String(userId));
  ui.transcript.replaceChildren();
  ui.replyKeyboard.hidden = true;
  ui.emptyState.hidden = userId !== null;
  ui.input.disabled = ui.send.disabled = userId === null;
  if (userId !== null) {
    state.poll = new AbortController();
    followTranscript(userId, state.poll.signal);
    ui.input.focus();
  }
}

// -- live transcript ----------------------------------------------------------------------------

async function followTranscript(userId, signal) {
  while (!signal.aborted) {
    try {
      const response = await fetch(
        `${API}/chats/${userId}/events?after=${state.version}&timeout=25`, { signal });
      if (response.status === 404) {
        await loadUsers(); // the sandbox was reset and this user is gone
        return;
      }
      if (!response.ok) throw new Error(response.statusText);
      const transcript = await response.json();
      if (signal.aborted) return;
      if (transcript.version !== state.version) {
        state.version = transcript.version;
        render(transcript);
      }
    } catch (error) {
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function render(transcript) {
  const list = ui.transcript;
  const firstRender = list.childElementCount === 0;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  list.replaceChildren(...transcript.messages.filter((m) => !m.deleted).map(renderMessage));
  renderReplyKeyboard(transcript.reply_keyboard);
  showNewAnswers(transcript.callback_answers);
  if (firstRender || atBottom) list.scrollTop = list.scrollHeight;
}

function renderMessage(message) {
  const node = element("div", `message ${message.direction}`);
  node.dataset.messageId = String(message.message_id);
  const bubble = element("div", "bubble");
  if (message.text !== null) {
    const text = element("div", "text");
    text.append(renderEntities(message.text, message.entities));
    bubble.append(text);
  }
  if (message.photo) {
    const photo = element("img", "photo");
    photo.src = message.photo.url;
    photo.alt = message.photo.file_name;
    bubble.append(photo);
  }
  if (message.document) bubble.append(renderDocument(message.document));
  if (message.caption) {
    const caption = element("div", "caption");
    caption.append(renderEntities(message.caption, message.caption_entities));
    bubble.append(caption);
  }
  const time = new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  bubble.append(element("div", "meta", message.edit_count ? `edited · ${time}` : time));
  node.append(bubble);
  const keyboard = message.reply_markup && message.reply_markup.inline_keyboard;
  if (keyboard) node.append(renderInlineKeyboard(message.message_id, keyboard));
  return node;
}

function renderDocument(document) {
  const box = element("div", "document");
  const extension = (document.file_name.split(".").pop() || "file").slice(0, 4).toUpperCase();
  box.append(element("span", "document-icon", extension));
  const details = element("div");
  const link = element("a", "document-link", document.file_name);
  link.href = document.url;
  link.download = document.file_name;
  details.append(link, element("span", "document-size", formatSize(document.file_size)));
  box.append(details);
  return box;
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function renderInlineKeyboard(messageId, rows) {
  const keyboard = element("div", "inline-keyboard");
  for (const row of rows) {
    const line = element("div", "keyboard-row");
    for (const button of row) {
      const node = element("button", "inline-button", button.text);
      node.type = "button";
      if (typeof button.callback_data === "string") {
        node.addEventListener("click", () => press(messageId, button.callback_data, node));
      } else if (button.url && safeUrl(button.url)) {
        node.classList.add("link");
        node.title = button.url;
        node.addEventListener("click", () => window.open(button.url, "_blank", "noopener"));
      } else {
        node.disabled = true;
        node.title = "This kind of button is not available in the sandbox";
      }
      line.append(node);
    }
    keyboard.append(line);
  }
  return keyboard;
}

function renderReplyKeyboard(markup) {
  ui.replyKeyboard.replaceChildren();
  ui.replyKeyboard.hidden = !(markup && markup.keyboard);
  if (ui.replyKeyboard.hidden) return;
  for (const row of markup.keyboard) {
    const line = element("div", "keyboard-row");
    for (const button of row) {
      const text = typeof button === "string" ? button : button.text;
      const node = element("button", "reply-button", text);
      node.type = "button";
      node.addEventListener("click", () => sendText(text));
      line.append(node);
    }
    ui.replyKeyboard.append(line);
  }
}

function showNewAnswers(answers) {
  const alreadySeen = state.seenAnswers === null ? answers.length : state.seenAnswers;
  state.seenAnswers = answers.length;
  for (const answer of answers.slice(alreadySeen)) {
    if (answer.text) showToast(answer.text, answer.show_alert);
  }
}

// -- formatted text: Telegram's text + entities, built as DOM nodes so nothing is ever parsed as HTML

function renderEntities(text, entities) {
  const fragment = document.createDocumentFragment();
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  appendRange(fragment, text, 0, text.length, sorted);
  return fragment;
}

// Entity offsets count UTF-16 code units, which is exactly how JavaScript indexes strings.
function appendRange(parent, text, start, end, entities) {
  let position = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const entityEnd = Math.min(entity.offset + entity.length, end);
    let j = i + 1;
    while (j < entities.length && entities[j].offset < entityEnd) j += 1;
    if (entity.offset > position) parent.append(text.slice(position, entity.offset));
    const node = entityNode(entity, text.slice(entity.offset, entityEnd));
    appendRange(node, text, Math.max(entity.offset, position), entityEnd, entities.slice(i + 1, j));
    parent.append(node);
    position = Math.max(position, entityEnd);
    i = j;
  }
  if (position < end) parent.append(text.slice(position, end));
}

function entityNode(entity, content) {
  switch (entity.type) {
    case "bold": return element("b");
    case "italic": return element("i");
    case "underline": return element("u");
    case "strikethrough": return element("s");
    case "code": return element("code");
    case "pre": return element("pre");
    case "blockquote":
    case "expandable_blockquote": return element("blockquote");
    case "spoiler": {
      const node = element("span", "spoiler");
      node.addEventListener("click", () => node.classList.add("revealed"));
      return node;
    }
    case "text_link": return link(entity.url);
    case "url": return link(/^[a-z][a-z0-9+.-]*:/i.test(content) ? content : `http://${content}`);
    case "email": return link(`mailto:${content}`);
    default: return element("span", entity.type);
  }
}

function safeUrl(url) {
  try {
    return SAFE_PROTOCOLS.has(new URL(url).protocol);
  } catch {
    return false;
  }
}

function link(url) {
  if (!safeUrl(url)) return element("span");
  const node = element("a");
  node.href = url;
  node.target = "_blank";
  node.rel = "noopener noreferrer";
  return node;
}

// -- what the user does -------------------------------------------------------------------------

async function sendText(text) {
  if (state.userId === null || !text.trim()) return false;
  try {
    await request(`/chats/${state.userId}/send`, { text });
    return true;
  } catch (error) {
    showToast(`Could not send: ${error.message}`);
    return false;
  }
}

async function press(messageId, callbackData, button) {
  button.disabled = true;
  try {
    await request(`/chats/${state.userId}/press`, { message_id: messageId, callback_data: callbackData });
  } catch (error) {
    showToast(`Could not press the button: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

function resizeInput() {
  ui.input.style.height = "auto";
  ui.input.style.height = `${ui.input.scrollHeight}px`;
}

ui.composer.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = ui.input.value;
  if (!text.trim()) return;
  ui.input.value = "";
  resizeInput();
  if (!(await sendText(text))) ui.input.value = text;
});

ui.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.composer.requestSubmit();
  }
});
ui.input.addEventListener("input", resizeInput);

ui.userSelect.addEventListener("change", () => {
  selectUser(ui.userSelect.value ? Number(ui.userSelect.value) : null);
});

ui.newUserForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const firstName = ui.newUserName.value.trim();
  if (!firstName) return;
  try {
    const user = await request("/users", { first_name: firstName, language_code: ui.newUserLang.value });
    ui.newUserName.value = "";
    await loadUsers(user.id);
  } catch (error) {
    showToast(`Could not create the user: ${error.message}`);
  }
});

ui.toastClose.addEventListener("click", () => { ui.toast.hidden = true; });

loadUsers(Number(localStorage.getItem(STORED_USER_KEY)) || null).catch((error) => {
  showToast(`The sandbox is not reachable: ${error.message}`, true);
});
