/** The far end of `podsgd explain --reach --to`: a group (any interface carrying it) or an address. */
export type ReachTarget =
  | {
      readonly kind: 'group';
      readonly groupId: string;
      readonly port: number;
      readonly protocol: 'tcp' | 'udp';
    }
  | {
      readonly kind: 'address';
      readonly address: string;
      readonly port: number;
      readonly protocol: 'tcp' | 'udp';
    };
