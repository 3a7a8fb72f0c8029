import { FakeEc2Server } from '@podsg/adapters-fake';
import { Ec2NetworkInterfaceApi } from './Ec2NetworkInterfaceApi.js';
import { networkInterfaceApiContract } from './networkInterfaceApiContract.js';

// The same contract twice: the in-memory model, and the SDK adapter over HTTP to the emulator
// over the same model. Same results, same error kinds and codes.
networkInterfaceApiContract('FakeEc2 in memory', (ec2, clock) =>
  Promise.resolve({ api: ec2, ec2, clock, close: () => Promise.resolve() }),
);

networkInterfaceApiContract(
  'Ec2NetworkInterfaceApi → FakeEc2Server → FakeEc2',
  async (ec2, clock) => {
    const server = await FakeEc2Server.start({ ec2 });
    const api = new Ec2NetworkInterfaceApi({
      region: server.region,
      endpoint: server.url,
      credentials: server.credentials,
      clusterName: 'demo',
    });
    return {
      api,
      ec2,
      clock,
      close: async () => {
        api.destroy();
        await server.close();
      },
    };
  },
);
