// Runs the extension's validateContract (bundled from src/core/model/contract.ts by the test) on cases
// read from a JSON file: [{path, metadata, inputs, outputs}] -> [[where, message], ...] per case.
import { readFileSync } from 'node:fs';

const [bundle, casesFile] = process.argv.slice(2);
const { validateContract } = await import(bundle);
const cases = JSON.parse(readFileSync(casesFile, 'utf8'));
const results = cases.map((c) => {
  try {
    validateContract(c.path, c.metadata, c.inputs, c.outputs);
    return [];
  } catch (e) {
    if (e.name !== 'ModelContractError') throw e;
    return e.problems.map((p) => [p.where, p.message]);
  }
});
process.stdout.write(JSON.stringify(results));
