// One WebSocket per tab, subscribed to everything the user may see. It remembers the cursor of the
// last event, so after a drop it resubscribes `since` that cursor and the server replays what was
// missed, in order, before live events. Screens listen for 'event', and for 'resync' when the
// server could not replay (too far behind) and they must reload what they show.

export class Live extends EventTarget {
  constructor(session) {
    super();
    this.session = session;
    this.socket = null;
    this.cursor = null;
    this.retry = 500;
    this.timer = null;
    this.state = 'offline';
    this.stopped = true;
    // Offline, the socket may take long to notice; drop it now and come back when the browser is online.
    window.addEventListener('offline', () => {
      const socket = this.socket;
      this.socket = null;
      socket?.close();
      clearTimeout(this.timer);
      this.setState('offline');
    });
    window.addEventListener('online', () => { if (!this.stopped) this.reconnectSoon(0); });
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    this.cursor = null;
    clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = null;
    this.setState('offline');
  }

  connect() {
    clearTimeout(this.timer);
    if (this.stopped || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
    this.setState('connecting');
    const socket = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/v1/ws`);
    this.socket = socket;
    socket.onopen = async () => socket.send(JSON.stringify({ type: 'auth', token: await this.session.token() }));
    socket.onmessage = (frame) => this.receive(socket, JSON.parse(frame.data));
    socket.onclose = (closed) => {
      if (this.socket !== socket) return;
      if (closed.code === 4001) this.session.token(true); // the token was refused: the next try uses a new one
      this.socket = null;
      this.setState('offline');
      this.reconnectSoon(this.retry);
      this.retry = Math.min(this.retry * 2, 15_000);
    };
  }

  reconnectSoon(delay) {
    clearTimeout(this.timer);
    if (!this.stopped) this.timer = setTimeout(() => this.connect(), delay);
  }

  async receive(socket, message) {
    switch (message.type) {
      case 'ready':
        this.retry = 500;
        if (!socket.subscribed) {
          socket.subscribed = true;
          socket.send(JSON.stringify({ type: 'subscribe', id: 'all', since: this.cursor ?? undefined }));
        }
        break;
      case 'subscribed':
        this.setState('live');
        if (this.cursor === null) this.cursor = message.cursor;
        else this.dispatchEvent(new Event('caughtup'));
        break;
      case 'event':
        this.cursor = message.cursor;
        this.dispatchEvent(new CustomEvent('event', { detail: message.event }));
        break;
      case 'auth_expiring':
        socket.send(JSON.stringify({ type: 'auth', token: await this.session.token(true) }));
        break;
      case 'resync_required':
        this.cursor = null;
        this.dispatchEvent(new Event('resync'));
        socket.close();
        break;
      default:
        break;
    }
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new Event('state'));
  }
}
