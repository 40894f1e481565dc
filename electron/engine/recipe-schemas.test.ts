import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { SFT_TASKS } from '../api/sft.ts';
import { OPERATORS } from './curate/operators.ts';
import { recipeJsonSchemas } from './recipe-schemas.ts';

const recipes = path.resolve(import.meta.dirname, '..', '..', 'resources', 'recipes');
const read = (name: string) => JSON.parse(fs.readFileSync(path.join(recipes, name), 'utf8')) as unknown;
type Schema = { properties: Record<string, Schema>; additionalProperties?: boolean };

describe('the published recipe JSON Schemas', () => {
  const generated = recipeJsonSchemas();

  it.each(Object.keys(generated))('%s equals what the recipe schema generates (npm run schemas)', (name) => {
    expect(read(name)).toEqual(generated[name]);
  });

  it('are named by the default recipes, so an editor checks them', () => {
    expect(fs.readFileSync(path.join(recipes, 'default.yaml'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=\.\/curate-recipe\.schema\.json\n/u,
    );
    expect(fs.readFileSync(path.join(recipes, 'sft-default.yaml'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=\.\/sft-recipe\.schema\.json\n/u,
    );
  });

  it('describe every key of the default recipes, every operator and every task, and refuse unknown keys', () => {
    const curate = generated['curate-recipe.schema.json'] as Schema;
    const sft = generated['sft-recipe.schema.json'] as Schema;
    const curateDefault = YAML.parse(fs.readFileSync(path.join(recipes, 'default.yaml'), 'utf8')) as object;
    const sftDefault = YAML.parse(fs.readFileSync(path.join(recipes, 'sft-default.yaml'), 'utf8')) as object;
    expect(Object.keys(curate.properties)).toEqual(expect.arrayContaining(Object.keys(curateDefault)));
    expect(Object.keys(sft.properties)).toEqual(expect.arrayContaining(Object.keys(sftDefault)));
    expect(Object.keys(curate.properties.filters!.properties)).toEqual(OPERATORS.map((o) => o.name));
    expect(Object.keys(sft.properties.templates!.properties)).toEqual([...SFT_TASKS]);
    expect(curate.additionalProperties).toBe(false);
    expect(sft.additionalProperties).toBe(false);
  });
});
