// Progress on stderr for long reports: a redrawn bar on a terminal, plain lines otherwise
// (CI logs and pipes get one line per 10%, never carriage returns).

export function progressBar(done: number, total: number, width = 30): string {
  const ratio = total <= 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% (${done}/${total})`;
}

export interface Progress {
  update(done: number, total: number): void;
  note(message: string): void;
  done(): void;
}

export function stderrProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  isTty: boolean = stream.isTTY === true,
): Progress {
  let lastDecile = -1;
  let drawn = false;
  return {
    update(done, total) {
      if (isTty) {
        stream.write(`\r${label} ${progressBar(done, total)}`);
        drawn = true;
        return;
      }
      const decile = total <= 0 ? 10 : Math.floor((done / total) * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`${label} ${Math.round(total <= 0 ? 100 : (done / total) * 100)}% (${done}/${total})\n`);
      }
    },
    note(message) {
      if (drawn) stream.write("\n");
      drawn = false;
      stream.write(`${message}\n`);
    },
    done() {
      if (drawn) stream.write("\n");
      drawn = false;
    },
  };
}

/** No output (the HTTP API, tests). */
export const silentProgress: Progress = { update() {}, note() {}, done() {} };
