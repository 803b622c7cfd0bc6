export { runMatrix, DEFAULT_CELL_TIMEOUT_MS } from "./run-matrix.js";
export type { RunMatrixOptions, MatrixProgress } from "./run-matrix.js";
export { MATRIX_CHECKS } from "./checks/index.js";
export { MATRIX_COLUMNS } from "./matrix-types.js";
export type { CellResult, DirectionContext, MatrixCheck, MatrixColumn, MatrixReport, MatrixRow, PairScope } from "./matrix-types.js";
export { renderMatrixText } from "./render/text-table.js";
export { renderMatrixMarkdown } from "./render/markdown.js";
export { renderMatrixHtml } from "./render/html.js";
export { verdictLine } from "./render/verdict.js";
