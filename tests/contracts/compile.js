// Compile the test contracts offline with solc-js (see README.md). Writes <Name>.json = {abi, bytecode}.
const fs = require("fs");
const path = require("path");
const solc = require(path.resolve(__dirname, "../../.tools/node_modules/solc"));

const names = ["TestToken", "MiniTornado"];
const input = {
  language: "Solidity",
  sources: Object.fromEntries(names.map((n) => [`${n}.sol`, { content: fs.readFileSync(path.join(__dirname, `${n}.sol`), "utf8") }])),
  settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun",
              outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) { console.error(errors.map((e) => e.formattedMessage).join("\n")); process.exit(1); }
for (const n of names) {
  const c = output.contracts[`${n}.sol`][n];
  const artifact = { contractName: n, compiler: `solc-js ${solc.version()}`, abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
  fs.writeFileSync(path.join(__dirname, `${n}.json`), JSON.stringify(artifact, null, 2) + "\n");
  console.log(`${n}.json: ${c.evm.bytecode.object.length / 2} bytes`);
}
