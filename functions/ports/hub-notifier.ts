/** Tells a WebSub hub that feeds changed, so that subscribed readers fetch them at once. */
export interface HubNotifier {
  /**
   * @param hub - the hub's URL, from site.yaml
   * @param topics - absolute URLs of the feeds that changed
   */
  notify(hub: string, topics: readonly string[]): Promise<void>;
}
