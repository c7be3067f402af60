import type { Author } from "../../shared/dto";
import type { SliceCreator } from "./types";

export interface ProfileSlice {
  /** What the person typed; empty means "let the server pick a guest name". */
  displayName: string;
  /** When the name was last edited (in any tab): between tabs, the newer edit wins. */
  displayNameSetAt: number;
  /** Who the server says we are; own messages are the ones with this author id. */
  me: Author | null;
  setDisplayName(name: string, at: number): void;
  setMe(me: Author): void;
}

export const createProfileSlice: SliceCreator<ProfileSlice> = (set) => ({
  displayName: "",
  displayNameSetAt: 0,
  me: null,
  setDisplayName: (displayName, displayNameSetAt) => set({ displayName, displayNameSetAt }),
  setMe: (me) => set({ me }),
});
