// Terminal output: colour only on a terminal, never with NO_COLOR or --no-color.
export interface Out {
  color: boolean;
  tty: boolean;
  line(text?: string): void;
  error(text: string): void;
  paint(style: 'red' | 'green' | 'yellow' | 'bold' | 'dim', text: string): string;
}

const CODES = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;

export function makeOut(colorOption: boolean | undefined): Out {
  const tty = !!process.stdout.isTTY;
  const color = tty && colorOption !== false && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
  return {
    color,
    tty,
    line: (text = '') => process.stdout.write(text + '\n'),
    error: (text) => process.stderr.write(text + '\n'),
    paint: (style, text) => (color ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text),
  };
}
