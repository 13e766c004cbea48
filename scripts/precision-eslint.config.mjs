// The ESLint checks scripts/precision.py compares wtfcb with (needs eslint 9 and typescript-eslint 8).
import tseslint from "typescript-eslint";
export default [
  { ignores: ["**/node_modules/**"] },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs", "**/*.ts", "**/*.tsx", "**/*.jsx", "**/*.mts", "**/*.cts"],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaFeatures: { jsx: true } }, sourceType: "module" },
    linterOptions: { reportUnusedDisableDirectives: "off", noInlineConfig: true },
    plugins: { "@typescript-eslint": tseslint.plugin },
    rules: {
      "no-var": "warn",
      "eqeqeq": ["warn", "always", { null: "ignore" }],
      "no-console": "warn",
      "no-eval": "warn",
      "no-new-func": "warn",
      "no-debugger": "warn",
      "complexity": ["warn", 10],
      "max-params": ["warn", 5],
      "max-depth": ["warn", 4],
      "no-empty": "warn",
      "no-empty-function": "warn",
      "no-warning-comments": ["warn", { terms: ["todo", "fixme", "xxx", "hack"], location: "anywhere" }],
      "@typescript-eslint/no-explicit-any": "warn",
      "@typescript-eslint/no-non-null-assertion": "warn",
    },
  },
];
