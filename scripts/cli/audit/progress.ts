/** A one-line progress bar on stderr, drawn only on a terminal and at most ten times a second. */
export class Progress {
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly write: ((text: string) => void) | null,
    private readonly total: number,
  ) {}

  update(done: number, records: number, findings: number, force = false): void {
    if (!this.write) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 30;
    const fraction = this.total === 0 ? 1 : done / this.total;
    const filled = Math.round(fraction * width);
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(records / seconds) : 0;
    this.write(
      `\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${this.total} batches · ${records} records · ${rate}/s · ${findings} finding(s) `,
    );
  }

  finish(): void {
    if (this.write) this.write("\n");
  }
}
