// The composition root of podsgd's long-running commands: the one place reflect-metadata loads.
import 'reflect-metadata';
import { Container, type ContainerModule } from 'inversify';

/** A container with `modules` loaded (one per command, plus the cloud adapters). */
export function createContainer(...modules: ContainerModule[]): Container {
  const container = new Container();
  container.load(...modules);
  return container;
}
