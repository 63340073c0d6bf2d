import { expect } from 'chai';
import { createChatTools } from '../../src/tools/chat-tools.js';
import { ScriptedApi } from '../helpers/scripted-api.js';

describe('createChatTools', () => {
  const tools = createChatTools({ client: new ScriptedApi() });
  const byName = (name: string): (typeof tools)[number] => {
    const tool = tools.find((candidate) => candidate.name === name);
    if (!tool) throw new Error(`no tool ${name}`);
    return tool;
  };

  it('creates the four tools of the reference, in order', () => {
    expect(tools.map((tool) => tool.name)).to.deep.equal(['execute', 'process_output', 'process_list', 'process_signal']);
  });

  it('describes every tool and every argument', () => {
    for (const tool of tools) {
      expect(tool.description, tool.name).to.have.length.above(50);
      expect(tool.inputSchema.type).to.equal('object');
      for (const [name, property] of Object.entries(tool.inputSchema.properties)) expect(property.description, `${tool.name}.${name}`).to.be.a('string');
    }
  });

  it('says execute runs under sh -c, and tells the model not to background with &', () => {
    const execute = byName('execute');
    expect(execute.description).to.include('Runs under "sh -c" (POSIX)');
    expect(execute.inputSchema.properties.command?.description).to.include('Runs under "sh -c" (POSIX)');
    expect(execute.description).to.include("'&'");
    expect(execute.inputSchema.properties.run_in_background?.description).to.include('Do NOT background');
    expect(execute.inputSchema.properties.timeout?.description).to.include('10s');
  });

  it('tells the model how to write model_intent', () => {
    const description = byName('execute').inputSchema.properties.model_intent?.description ?? '';
    expect(description).to.include('alongside the command');
    expect(description).to.include('do not repeat the command');
  });

  it('marks the required arguments', () => {
    expect(byName('execute').inputSchema.required).to.deep.equal(['command']);
    expect(byName('process_output').inputSchema.required).to.deep.equal(['process_id']);
    expect(byName('process_list').inputSchema.required).to.equal(undefined);
    expect(byName('process_signal').inputSchema.required).to.deep.equal(['process_id', 'signal']);
    expect(byName('process_signal').inputSchema.properties.signal?.enum).to.deep.equal(['terminate', 'kill']);
  });

  it('says how to use wait_timeout', () => {
    expect(byName('process_output').inputSchema.properties.wait_timeout?.description).to.include("'0s'");
  });
});
